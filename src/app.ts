// Builds the Fastify application: options, auth, error handling and every route. Never listens.
import { AjvCompiler } from '@fastify/ajv-compiler'
import { SerializerSelector as SerializerCompiler } from '@fastify/fast-json-stringify-compiler'
import basicAuth from '@fastify/basic-auth'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Config } from './config.js'
import { createFaultService, type FaultService } from './control/faults.js'
import { createCaller } from './control/caller.js'
import { createChangeFeed } from './control/changes.js'
import { createJournal } from './control/journal.js'
import { createRateLimiter } from './control/rate-limit.js'
import { migrate } from './db/migrate.js'
import { startCheckpointer } from './db/checkpointer.js'
import { openDatabase, type DB } from './db/open.js'
import { SnapshotError } from './db/snapshot.js'
import { createStore } from './db/store.js'
import { createEventDispatcher } from './events/dispatcher.js'
import { credentialValidator } from './http/auth.js'
import { lazySerializerCompiler, lazyValidatorCompiler } from './http/lazy-compile.js'
import { errorHandler, frameworkErrorsFor, notFoundHandler } from './http/errors.js'
import { CORS_HEADERS, isTwilioApiPath, twilioApiHeaders } from './http/headers.js'
import { prettyLogStream } from './http/pretty-log.js'
import { twilioApi } from './http/twilio-api.js'
import { V1_ENGAGEMENTS, V1_EXECUTIONS, V2_EXECUTIONS } from './resources/surface.js'
import { controlRoutes } from './routes/control.js'
import { executionStepRoutes } from './routes/execution-steps.js'
import { executionRoutes } from './routes/executions.js'
import { flowRoutes } from './routes/flows.js'
import { healthRoutes } from './routes/health.js'
import { uiRoutes } from './routes/ui.js'
import { createControllableClock, type Clock } from './clock.js'
import { createWidgetChoices } from './engine/choices.js'
import type { RecorderHooks } from './engine/recorder.js'
import { createFlowRuntime } from './engine/runtime.js'
import { inboundRoutes } from './routes/inbound.js'
import { createCallService } from './studio/calls.js'
import { createInboundService } from './studio/inbound.js'
import { createExecutionWriter } from './studio/execution-writer.js'
import { createExecutionService } from './studio/executions.js'
import { FlowFileError, createFlowService, emptySeedWarning, readSeed } from './studio/flows.js'
import { newSid, seededSidSequence, useSidSequence } from './twilio/sid.js'

export interface AppOptions {
  config: Config
  /** An open, migrated database; by default the app opens config.dbPath and closes it on app.close(). */
  db?: DB
  clock?: Clock
  /** Event delivery retry timing (tests shorten it). */
  eventRetry?: { initialMs: number, maxMs: number, timeoutMs?: number }
  /** Randomness for probabilistic faults. */
  random?: () => number
  /** How often the engine checks waits and expiry on real time. */
  engineTickMs?: number
  /** How long HTTP widgets wait for an answer (Studio's 10 s by default; tests shorten it). */
  httpTimeoutMs?: number
  /** Test hooks inside the engine (fault injection between a transition's writes). */
  engineHooks?: RecorderHooks
}

export const BODY_LIMIT = 1024 * 1024

declare module 'fastify' {
  interface FastifyInstance {
    /** The data layer, for the process's start-up banner and for tests. */
    store: import('./db/store.js').Store
  }
}

/**
 * One validator pool for every app this process builds (Fastify's default makes one per app): Ajv compiles each
 * route schema once, so a second app (a test, a restart in-process) does not compile them again.
 */
const validators = AjvCompiler()
const serializers = SerializerCompiler()

/** Paths whose requests go to the journal: the Twilio API, not health checks or the control API. */

export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const ownsDb = opts.db === undefined
  const db = opts.db ?? openDatabase(config.dbPath)
  /** The store's own resources go with the app; the connection only when the app opened it. */
  let closeStore = (): void => {}
  const closeDb = () => {
    closeStore()
    if (ownsDb && db.open) db.close()
  }
  try {
    if (ownsDb) migrate(db)
  } catch (err) {
    closeDb()
    throw err
  }

  /** Twilio API requests being answered now (Twilio-Concurrent-Requests). */
  const inFlight = new Set<string>()
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization'],
      ...(config.logPretty && { stream: prettyLogStream(process.stdout) })
    },
    // Every response carries Twilio-Request-Id: RQ + 32 hex, which is also the id in our logs.
    genReqId: () => newSid('RQ'),
    requestIdHeader: false,
    // One log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    frameworkErrors: frameworkErrorsFor(() => inFlight.size),
    schemaController: {
      compilersFactory: {
        buildValidator: (externalSchemas, options) => lazyValidatorCompiler(validators(externalSchemas, options)),
        buildSerializer: (externalSchemas, options) => lazySerializerCompiler(serializers(externalSchemas, options))
      }
    },
    // The route schemas are the project's own, checked by its tests: Ajv need not compile its meta-schema to check them.
    ajv: { customOptions: { validateSchema: false } }
  })

  const store = createStore(db)
  closeStore = store.close
  // STUDIO_SID_SEED: this process's SIDs come from a deterministic sequence (a restart on the same file continues
  // with another, so that no SID repeats). Loading a snapshot (its runs with it) or a full reset starts it again:
  // after the snapshot's runs, or as on a fresh start.
  const restartSids = (): void => { if (config.sidSeed !== undefined) useSidSequence(seededSidSequence(config.sidSeed, store.countSidRun())) }
  // The emulator's clock follows real time (or the given clock) until the control API moves it; where it was moved
  // to is kept in the database, so a restart keeps it.
  const clock = createControllableClock(opts.clock, store.loadClockSetting(), setting => store.saveClockSetting(setting))
  // What changed, for the inspector's open pages.
  const changes = createChangeFeed()
  const dispatcher = config.eventsUrl === undefined
    ? undefined
    : createEventDispatcher({
      url: config.eventsUrl,
      store,
      log: app.log,
      clock,
      authTokenOf: accountSid => config.accounts.find(a => a.sid === accountSid)?.authToken,
      initialRetryMs: opts.eventRetry?.initialMs,
      maxRetryMs: opts.eventRetry?.maxMs,
      timeoutMs: opts.eventRetry?.timeoutMs,
      attempted: () => { changes.changed('events') }
    })
  const writer = createExecutionWriter({ store, clock, events: dispatcher === undefined ? undefined : { committed: dispatcher.kick }, onCommit: () => changes.changed('executions', 'events') })
  const flows = createFlowService({ store, clock, mode: config.flowsMode, log: app.log })
  const choices = createWidgetChoices()
  const engine = createFlowRuntime({
    store,
    writer,
    clock,
    choices,
    log: app.log,
    tickMs: opts.engineTickMs,
    httpTimeoutMs: opts.httpTimeoutMs,
    hooks: opts.engineHooks,
    httpMap: config.httpMap,
    authTokenOf: accountSid => config.accounts.find(a => a.sid === accountSid)?.authToken
  })
  const executions = createExecutionService({ store, clock, flows, writer, engine })
  const inbound = createInboundService({ store, clock, flows, executions, engine, writer })
  const calls = createCallService({ store, clock, flows, executions, engine: { deliver: engine.schedule } })
  const caller = createCaller({ store, calls, inbound })
  const journal = createJournal(config.journalSize)
  const faults: FaultService = createFaultService(opts.random)
  const rateLimiter = config.rateLimits ? createRateLimiter(clock) : undefined
  const accountSids = [...new Set([...config.accounts.map(a => a.sid), ...config.apiKeys.map(k => k.accountSid)])]
  // STUDIO_SEED (read once, at start): into an empty database at start, and by every reset (the snapshot by a full
  // reset only); then STUDIO_FLOWS_DIR, at every start and reset.
  let seed: ReturnType<typeof readSeed> | undefined
  const seedFlows = (only?: readonly string[]) => {
    if (seed !== undefined) {
      if (only === undefined && seed.snapshot !== undefined) {
        try {
          store.importSnapshot(seed.snapshot)
        } catch (err) {
          if (err instanceof SnapshotError) throw new FlowFileError(`STUDIO_SEED ${config.seed ?? ''}: the snapshot cannot be loaded: ${err.message}`)
          throw err
        }
      }
      flows.loadFiles(seed.files, only ?? accountSids)
    }
    if (config.flowsDir !== undefined) flows.loadDirectory(config.flowsDir, only ?? accountSids)
  }
  /** A reset: the accounts' data (all of it when `only` is undefined) replaced by the seed; a full one restarts the SIDs. */
  const resetTo = (only?: readonly string[]) => {
    seedFlows(only)
    if (only === undefined) restartSids()
  }
  try {
    if (config.seed !== undefined) {
      seed = readSeed(config.seed)
      if (seed.snapshot === undefined && seed.files.length === 0) app.log.warn({ seed: config.seed }, emptySeedWarning(config.seed))
    }
    if (seed !== undefined && !store.hasData()) seedFlows()
    else if (config.flowsDir !== undefined) flows.loadDirectory(config.flowsDir, accountSids)
    restartSids()
  } catch (err) {
    closeDb()
    throw err
  }

  // Checkpoints run in a worker thread, not inside a request's commit (only for the file this app opened itself).
  const checkpointer = ownsDb ? startCheckpointer(db, config.dbPath, { onError: message => app.log.warn(message) }) : undefined

  /** POST /__emulator/events/retry: every pending event due now, those in a request now included if it fails. */
  function retryEvents (): number {
    const retried = store.retryPendingEventsNow(clock.now())
    dispatcher?.retryNow()
    return retried
  }

  app.decorate('store', store)
  app.addHook('onReady', async () => {
    dispatcher?.kick()
    engine.start()
  })
  app.addHook('onClose', async () => {
    if (config.sidSeed !== undefined) useSidSequence(undefined)
    await engine.stop()
    await dispatcher?.stop()
    await checkpointer?.stop()
    closeDb()
  })

  // The hooks below run on every request: they answer through `done` (no promise, no extra microtask turn) and set
  // headers in one call each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('twilio-request-id', request.id)
    if (isTwilioApiPath(request.url)) {
      inFlight.add(request.id)
      // 'close' comes however the response ends (answered, hijacked, dropped by a fault, aborted by the client).
      reply.raw.once('close', () => { inFlight.delete(request.id) })
    }
    // A browser's CORS preflight to Twilio's API is answered before credentials are asked for, as Twilio's API does.
    // The control API and the inspector have no CORS: another site's page may neither read nor call them.
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined && isTwilioApiPath(request.url)) {
      reply.code(200).headers(CORS_HEADERS).send()
      return
    }
    done()
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    // Twilio's JSON is `application/json`, without a charset.
    const type = reply.getHeader('content-type')
    if (typeof type === 'string' && type.startsWith('application/json')) reply.header('content-type', 'application/json')
    if (isTwilioApiPath(request.url)) {
      reply.headers(CORS_HEADERS)
      reply.headers(twilioApiHeaders(reply.elapsedTime, inFlight.size))
    }
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    afterResponse(request, reply)
    done()
  })
  function afterResponse (request: FastifyRequest, reply: FastifyReply): void {
    const latency = Math.round(reply.elapsedTime * 100) / 100
    const path = request.url.split('?', 1)[0] ?? request.url
    // Health probes (a container checks every few seconds) log at debug, everything else at info.
    const level = path === '/healthz' || path === '/readyz' ? 'debug' : 'info'
    if ((request.log as unknown as { isLevelEnabled: (l: string) => boolean }).isLevelEnabled(level)) {
      request.log[level]({
        method: request.method,
        path: request.url,
        status: reply.statusCode,
        latency_ms: latency,
        account: request.caller?.accountSid,
        code: request.twilioErrorCode
      }, 'request')
    }
    // A change made through the control API (clock, faults, choices, reset, snapshot, calls) shows on open inspector pages.
    if (request.method !== 'GET' && request.method !== 'HEAD' && path.startsWith('/__emulator/') && !path.startsWith('/__emulator/ui/') && reply.statusCode < 400) {
      changes.changed('executions', 'clock', 'rules', 'events', 'flows')
    }
    if (!isTwilioApiPath(request.url)) return
    // A flow created, changed or deleted over the API shows on open Flows pages (executions tell their own changes).
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) changes.changed('journal', 'flows')
    else changes.changed('journal')
    // The journal keeps references; it copies and redacts only when read.
    journal.record({
      requestId: request.id,
      time: Date.now(),
      method: request.method,
      path,
      query: request.query,
      headers: request.headers,
      body: request.body,
      status: reply.statusCode,
      code: request.twilioErrorCode ?? null,
      latencyMs: latency,
      accountSid: request.caller?.accountSid ?? null
    })
  }

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)

  await app.register(basicAuth, {
    validate: credentialValidator(config),
    authenticate: { realm: 'Twilio API' },
    utf8: false
  })

  await app.register(healthRoutes, { store })
  await app.register(controlRoutes, { prefix: '/__emulator', config, store, journal, faults, seedFlows: resetTo, snapshotImported: restartSids, retryEvents, clock, engine, choices, caller })
  await app.register(inboundRoutes, {
    accountSids,
    inbound,
    calls,
    publicUrl: config.publicUrl,
    signedWith: config.checkSignatures ? accountSid => config.accounts.find(a => a.sid === accountSid)?.authToken : undefined
  })
  await app.register(uiRoutes, {
    prefix: '/__emulator/ui',
    config,
    accountSids,
    store,
    journal,
    faults,
    choices,
    clock,
    engine,
    executions,
    inbound,
    caller,
    changes,
    seedFlows: () => { resetTo() },
    retryEvents
  })
  // The inspector is the page a person opens first.
  app.get('/', async (_request, reply) => await reply.redirect('/__emulator/ui/', 302))

  const deps = { config, store, executions, flows, rateLimiter }
  const twilio = { faults }
  await app.register(twilioApi, {
    prefix: '/v1',
    ...twilio,
    routes: [
      [flowRoutes, { ...deps, version: 'v1' }],
      [executionRoutes, { ...deps, surface: V1_EXECUTIONS }],
      [executionStepRoutes, { ...deps, surface: V1_EXECUTIONS }],
      [executionRoutes, { ...deps, surface: V1_ENGAGEMENTS }],
      [executionStepRoutes, { ...deps, surface: V1_ENGAGEMENTS }]
    ]
  })
  await app.register(twilioApi, {
    prefix: '/v2',
    ...twilio,
    routes: [
      [flowRoutes, { ...deps, version: 'v2' }],
      [executionRoutes, { ...deps, surface: V2_EXECUTIONS }],
      [executionStepRoutes, { ...deps, surface: V2_EXECUTIONS }]
    ]
  })

  return app
}
