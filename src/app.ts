// Builds the Fastify application: options, auth, error handling and every route. Never listens.
import basicAuth from '@fastify/basic-auth'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { migrate } from './db/migrate.js'
import { openDatabase, type DB } from './db/open.js'
import { createStore } from './db/store.js'
import { credentialValidator } from './http/auth.js'
import { errorHandler, notFoundHandler } from './http/errors.js'
import { twilioApi } from './http/twilio-api.js'
import { V1_ENGAGEMENTS, V1_EXECUTIONS, V2_EXECUTIONS } from './resources/surface.js'
import { executionStepRoutes } from './routes/execution-steps.js'
import { executionRoutes } from './routes/executions.js'
import { flowRoutes } from './routes/flows.js'
import { healthRoutes } from './routes/health.js'
import { systemClock, type Clock } from './studio/clock.js'
import { createExecutionService } from './studio/executions.js'
import { createFlowService } from './studio/flows.js'
import { newSid } from './twilio/sid.js'

export interface AppOptions {
  config: Config
  /** An open, migrated database; by default the app opens config.dbPath and closes it on app.close(). */
  db?: DB
  clock?: Clock
}

export const BODY_LIMIT = 1024 * 1024

export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const clock = opts.clock ?? systemClock
  const ownsDb = opts.db === undefined
  const db = opts.db ?? openDatabase(config.dbPath)
  if (ownsDb) {
    try {
      migrate(db)
    } catch (err) {
      db.close()
      throw err
    }
  }
  const store = createStore(db)
  const flows = createFlowService({ store, clock, mode: config.flowsMode })
  const executions = createExecutionService({ store, clock, flows })
  if (config.flowsDir !== undefined) {
    const accountSids = [...new Set([...config.accounts.map(a => a.sid), ...config.apiKeys.map(k => k.accountSid)])]
    try {
      flows.loadDirectory(config.flowsDir, accountSids)
    } catch (err) {
      if (ownsDb) db.close()
      throw err
    }
  }

  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: ['req.headers.authorization']
    },
    // Every response carries Twilio-Request-Id: RQ + 32 hex, which is also the id in our logs.
    genReqId: () => newSid('RQ'),
    requestIdHeader: false,
    // One log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT
  })

  app.decorate('store', store)
  app.addHook('onClose', async () => { if (ownsDb) db.close() })

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Twilio-Request-Id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      path: request.url,
      status: reply.statusCode,
      latency_ms: Math.round(reply.elapsedTime * 100) / 100,
      account: request.caller?.accountSid,
      code: request.twilioErrorCode
    }, 'request')
  })

  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)

  await app.register(basicAuth, {
    validate: credentialValidator(config),
    authenticate: { realm: 'Twilio API' },
    utf8: false
  })

  await app.register(healthRoutes, { store })

  const deps = { config, store, executions, flows }
  await app.register(twilioApi, {
    prefix: '/v1',
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
    routes: [
      [flowRoutes, { ...deps, version: 'v2' }],
      [executionRoutes, { ...deps, surface: V2_EXECUTIONS }],
      [executionStepRoutes, { ...deps, surface: V2_EXECUTIONS }]
    ]
  })

  return app
}
