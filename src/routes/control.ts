// The control API under /__emulator (no Twilio path starts so): reset, snapshot, request journal, faults, events.
// JSON in and out; guarded by STUDIO_ADMIN_TOKEN when it is set.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import { chooseWidgetEvent, type WidgetChoices } from '../engine/choices.js'
import type { FaultRuleInput, FaultService } from '../control/faults.js'
import type { Journal } from '../control/journal.js'
import { SnapshotError } from '../db/snapshot.js'
import { redactUrl } from '../events/sink-url.js'
import type { Store } from '../db/store.js'
import {
  clearOutboxQuery, clockBody, eventsQuery, faultRuleBody, idleQuery, noBody, noQuery, outboxQuery, requestsQuery,
  resetQuery, strictValidatorCompiler, widgetEventBody
} from '../http/control-schemas.js'
import type { InputProblem } from '../http/errors.js'
import { crossSiteCheck } from '../http/cross-site.js'
import { refusingOtherMethods } from '../http/methods.js'
import { adminTokenRequired, crossSiteRequest, invalidFaultRule, invalidParameter, invalidSnapshot, resourceNotFound } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import type { ControllableClock } from '../clock.js'
import type { Caller } from '../control/caller.js'
import { lazyValidatorCompiler } from '../http/lazy-compile.js'
import { contactRoutes } from './contact.js'
import { parseTwilioDate } from '../twilio/dates.js'

export interface ControlRoutesOptions {
  config: Config
  store: Store
  journal: Journal
  faults: FaultService
  /** Re-applies STUDIO_FLOWS_DIR to the given accounts after a reset. */
  seedFlows: (accountSids?: readonly string[]) => void
  /** After PUT /snapshot replaced the data: STUDIO_SID_SEED's sequence starts after the snapshot's runs. */
  snapshotImported: () => void
  /** Wakes event delivery (after a retry request). */
  /** Makes every pending event due now and delivers them; returns how many. */
  retryEvents: () => number
  clock: ControllableClock
  engine: { idle: () => Promise<void>, tick: () => void, resume: () => void }
  choices: WidgetChoices
  /** Plays the contact: calls and Conversations messages (routes/contact.ts). */
  caller: Caller
}

/** Snapshots of demo environments can be large. */
const SNAPSHOT_BODY_LIMIT = 512 * 1024 * 1024

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Each route's schemas: the body (where it takes one) and the query string; nothing else is accepted. */
const none = { querystring: noQuery, body: noBody }

/** A fault rule's shape errors read like its other errors: "Invalid fault rule: drop must be boolean". */
const refuseFaultRule = (p: InputProblem) => invalidFaultRule(`${p.field} ${p.why}`)

export const controlRoutes = refusingOtherMethods(async function controlRoutes (app: FastifyInstance, opts: ControlRoutesOptions) {
  const { config, store, journal, faults } = opts
  // Unknown keys and wrong types are refused here, not dropped or coerced as on Fastify's default validator.
  app.setValidatorCompiler(lazyValidatorCompiler(strictValidatorCompiler))

  // Another site's page may not change the emulator through a visitor's browser (no CORS here either, so it cannot
  // read it): a state-changing request with a foreign Origin or Sec-Fetch-Site: cross-site is refused first.
  const fromAnotherSite = crossSiteCheck(config.publicUrl)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && fromAnotherSite(request)) throw crossSiteRequest()
  })

  if (config.adminToken !== undefined) {
    const expected = digest(`Bearer ${config.adminToken}`)
    app.addHook('onRequest', async (request: FastifyRequest, reply) => {
      const given = request.headers.authorization ?? ''
      if (!timingSafeEqual(digest(given), expected)) {
        reply.header('WWW-Authenticate', 'Bearer realm="Studio Emulator control API"')
        throw adminTokenRequired()
      }
    })
  }

  // A repeated query parameter (?limit=1&limit=2) counts with its first value, as on Twilio's routes.
  app.addHook('preValidation', async (request) => {
    const q = request.query as Record<string, unknown> | undefined
    if (q !== null && typeof q === 'object') for (const [k, v] of Object.entries(q)) if (Array.isArray(v)) q[k] = v[0]
  })

  await app.register(contactRoutes, { caller: opts.caller, store, publicUrl: config.publicUrl })

  app.post<{ Querystring: { account?: string } }>('/reset', { schema: { querystring: resetQuery, body: noBody } }, async function reset (request) {
    const account = request.query.account
    if (account !== undefined) {
      if (!isSid('AC', account)) throw invalidParameter('account', 'must be an account SID (AC followed by 32 hex digits)')
      store.deleteAccountData(account)
      opts.seedFlows([account])
      return { reset: 'account', account_sid: account }
    }
    store.deleteAllData()
    opts.seedFlows()
    // A seed's executions that wait (a snapshot) carry on from where it has them.
    opts.engine.resume()
    return { reset: 'all' }
  })

  app.get('/snapshot', { schema: { querystring: noQuery } }, async function exportSnapshot () {
    return store.exportSnapshot()
  })

  // The document itself is checked in full by db/snapshot.ts (any SnapshotError is the 400).
  app.put('/snapshot', { bodyLimit: SNAPSHOT_BODY_LIMIT, schema: { querystring: noQuery } }, async function importSnapshot (request) {
    try {
      store.importSnapshot(request.body)
    } catch (err) {
      if (err instanceof SnapshotError) throw invalidSnapshot(err.message)
      throw err
    }
    opts.snapshotImported()
    // Executions imported mid-run or waiting carry on from where the snapshot has them.
    opts.engine.resume()
    const counts = Object.fromEntries(Object.entries(store.exportSnapshot().tables).map(([k, rows]) => [k, rows.length]))
    return { imported: counts }
  })

  app.get<{ Querystring: { method?: string, path?: string, status?: string, limit?: string } }>('/requests', { schema: { querystring: requestsQuery } }, async function listRequests (request) {
    const q = request.query
    const limit = q.limit === undefined ? undefined : parseLimit(q.limit, 1, journal.size)
    const requests = journal.list({ method: q.method, path: q.path, status: q.status, limit })
    return { requests, size: journal.size }
  })

  app.delete('/requests', { schema: none }, async function clearRequests (_request, reply) {
    journal.clear()
    return await reply.code(204).send()
  })

  app.get('/faults', { schema: { querystring: noQuery } }, async () => ({ faults: faults.list() }))
  app.post<{ Body: FaultRuleInput }>('/faults', {
    schema: { querystring: noQuery, body: faultRuleBody },
    config: { refuseBody: refuseFaultRule }
  }, async function addFault (request, reply) {
    return await reply.code(201).send(faults.add(request.body))
  })
  app.delete('/faults', { schema: none }, async function clearFaults (_request, reply) {
    faults.clear()
    return await reply.code(204).send()
  })
  app.delete<{ Params: { id: string } }>('/faults/:id', { schema: none }, async function removeFault (request, reply) {
    if (!faults.remove(request.params.id)) throw resourceNotFound(request.url)
    return await reply.code(204).send()
  })

  app.get<{ Querystring: { pending?: string, limit?: string } }>('/events', { schema: { querystring: eventsQuery } }, async function listEvents (request) {
    const limit = parseLimit(request.query.limit, 100, 10_000)
    const entries = store.listEvents({ pendingOnly: request.query.pending === 'true', limit })
    return {
      sink: config.eventsUrl === undefined ? null : redactUrl(config.eventsUrl),
      ...store.eventCounts(),
      events: entries.map(e => ({
        id: e.id,
        type: e.type,
        execution_sid: e.executionSid,
        account_sid: e.accountSid,
        status: e.status,
        attempts: e.attempts,
        last_error: e.lastError,
        created_at: new Date(e.createdAt).toISOString(),
        next_attempt_at: e.status === 'pending' ? new Date(e.nextAttemptAt).toISOString() : null,
        delivered_at: e.deliveredAt === null ? null : new Date(e.deliveredAt).toISOString(),
        failed_at: e.failedAt === null ? null : new Date(e.failedAt).toISOString(),
        event: e.event
      }))
    }
  })

  app.post('/events/retry', { schema: none }, async function retryEvents () {
    return { retried: opts.retryEvents() }
  })

  app.get<{ Querystring: { flow?: string, execution?: string, to?: string, kind?: string, account?: string, limit?: string } }>('/outbox', { schema: { querystring: outboxQuery } }, async function listOutbox (request) {
    const q = request.query
    const limit = parseLimit(q.limit, 1000, 100_000)
    const records = store.listMessages(q.account ?? null, { flowSid: q.flow, executionSid: q.execution, to: q.to, kind: q.kind, limit })
    return {
      messages: records.map(r => ({
        sid: r.sid,
        kind: r.kind,
        account_sid: r.accountSid,
        flow_sid: r.flowSid,
        execution_sid: r.executionSid,
        widget: r.widget,
        widget_type: r.widgetType,
        to: r.to,
        from: r.from,
        body: r.body,
        detail: r.detail,
        date_created: new Date(r.dateCreated).toISOString()
      }))
    }
  })

  app.delete<{ Querystring: { account?: string } }>('/outbox', { schema: { querystring: clearOutboxQuery, body: noBody } }, async function clearOutbox (request, reply) {
    store.clearMessages(request.query.account ?? null)
    return await reply.code(204).send()
  })

  const clockState = () => {
    const st = opts.clock.state()
    return { now: new Date(st.now).toISOString(), frozen: st.frozen, offset_ms: st.offset_ms }
  }

  app.get('/clock', { schema: { querystring: noQuery } }, async () => clockState())

  /** Moves the emulator's clock: {"advance_ms": 3600000}, {"set": "2030-01-01T00:00:00Z"}, {"freeze": true}, {"reset": true}. */
  app.post<{ Body: { advance_ms?: number, set?: string, freeze?: boolean, reset?: boolean } | null }>('/clock', {
    schema: { querystring: noQuery, body: clockBody }
  }, async function moveClock (request) {
    const b = request.body ?? {}
    // Every value is checked before the clock moves, so a refused request leaves it as it was.
    const setMs = b.set === undefined ? undefined : parseTwilioDate(b.set)
    if (b.set !== undefined && (setMs === undefined || !inClockRange(setMs))) throw invalidParameter('set', 'must be an ISO 8601 date-time from year 1970 to 9999')
    if (b.advance_ms !== undefined) {
      if (!Number.isFinite(b.advance_ms)) throw invalidParameter('advance_ms', 'must be a number of milliseconds')
      // Where the clock stands before the advance: the set time, real time after a reset, or where it is now.
      const st = opts.clock.state()
      const from = setMs ?? (b.reset === true ? st.now - st.offset_ms : st.now)
      if (!inClockRange(from + b.advance_ms)) throw invalidParameter('advance_ms', 'would move the clock outside the years 1970 to 9999')
    }
    if (b.reset === true) opts.clock.reset()
    if (b.freeze !== undefined) opts.clock.freeze(b.freeze)
    if (setMs !== undefined) opts.clock.set(setMs)
    if (b.advance_ms !== undefined) opts.clock.advance(b.advance_ms)
    // Timeouts and expiry that the move made due fire now; wait for them with /idle.
    opts.engine.tick()
    return clockState()
  })

  /** Answers when the flow engine has nothing in progress (no execution mid-step), so tests never sleep. */
  app.get<{ Querystring: { timeout_ms?: string } }>('/idle', { schema: { querystring: idleQuery } }, async function idle (request, reply) {
    const timeoutMs = Math.min(Number(request.query.timeout_ms ?? 30_000) || 30_000, 300_000)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    const result = await Promise.race([opts.engine.idle().then(() => 'idle' as const), timedOut])
    clearTimeout(timer)
    return await reply.code(result === 'idle' ? 200 : 503).send({ idle: result === 'idle' })
  })

  app.get('/widget-events', { schema: { querystring: noQuery } }, async () => ({ choices: opts.choices.list() }))

  /**
   * Chooses the event a widget takes: {"widget": "gather_1", "event": "keypress", "publish": {"Digits": "1"}}. A choice
   * that could never apply is refused: a widget name no flow has (in its latest or a published revision; in
   * `flow_sid` only, when given), or an event no widget of that name can take (studio/widget-types.ts).
   */
  app.post<{ Body: { widget: string, event: string, publish?: Record<string, unknown>, flow_sid?: string, times?: number, after_ms?: number } }>('/widget-events', {
    schema: { querystring: noQuery, body: widgetEventBody }
  }, async function addWidgetChoice (request, reply) {
    const choice = chooseWidgetEvent(opts.choices, store.widgetsNamed, request.body)
    return await reply.code(201).send(choice)
  })

  app.delete('/widget-events', { schema: none }, async function clearWidgetEvents (_request, reply) {
    opts.choices.clear()
    return await reply.code(204).send()
  })
})

/** The clock stays within dates every response can print (1970 to 9999). */
function inClockRange (ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms < 253_402_300_800_000 // 10000-01-01T00:00:00Z
}

/** A `limit` query parameter: a whole number from 1, at most `max`; absent means `fallback`. */
function parseLimit (value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw invalidParameter('limit', 'must be a positive integer')
  return Math.min(n, max)
}
