// The control API under /__emulator (no Twilio path starts so): reset, snapshot, request journal, faults, events.
// JSON in and out; guarded by STUDIO_ADMIN_TOKEN when it is set.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import type { WidgetChoices } from '../engine/choices.js'
import type { FaultService } from '../control/faults.js'
import type { Journal } from '../control/journal.js'
import { SnapshotError } from '../db/snapshot.js'
import type { Store } from '../db/store.js'
import { refuseOtherMethods } from '../http/methods.js'
import { TwilioError, invalidParameter, resourceNotFound } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import type { ControllableClock } from '../clock.js'
import { parseTwilioDate } from '../twilio/dates.js'

export interface ControlRoutesOptions {
  config: Config
  store: Store
  journal: Journal
  faults: FaultService
  /** Re-applies STUDIO_FLOWS_DIR to the given accounts after a reset. */
  seedFlows: (accountSids?: readonly string[]) => void
  /** Wakes event delivery (after a retry request). */
  kickEvents: () => void
  clock: ControllableClock
  engine: { idle: () => Promise<void>, tick: () => void, resume: () => void }
  choices: WidgetChoices
}

/** Snapshots of demo environments can be large. */
const SNAPSHOT_BODY_LIMIT = 512 * 1024 * 1024

const digest = (s: string) => createHash('sha256').update(s).digest()

export async function controlRoutes (app: FastifyInstance, opts: ControlRoutesOptions) {
  const { config, store, journal, faults } = opts

  if (config.adminToken !== undefined) {
    const expected = digest(`Bearer ${config.adminToken}`)
    app.addHook('onRequest', async (request: FastifyRequest, reply) => {
      const given = request.headers.authorization ?? ''
      if (!timingSafeEqual(digest(given), expected)) {
        reply.header('WWW-Authenticate', 'Bearer realm="Studio Emulator control API"')
        throw new TwilioError(401, 20003, 'The control API needs Authorization: Bearer <STUDIO_ADMIN_TOKEN>')
      }
    })
  }

  // A repeated query parameter (?limit=1&limit=2) counts with its first value, as on Twilio's routes.
  app.addHook('preValidation', async (request) => {
    const q = request.query as Record<string, unknown> | undefined
    if (q !== null && typeof q === 'object') for (const [k, v] of Object.entries(q)) if (Array.isArray(v)) q[k] = v[0]
  })

  app.post<{ Querystring: { account?: string } }>('/reset', async function reset (request) {
    const account = request.query.account
    if (account !== undefined) {
      if (!isSid('AC', account)) throw invalidParameter('account', 'must be an account SID (AC followed by 32 hex digits)')
      store.deleteAccountData(account)
      opts.seedFlows([account])
      return { reset: 'account', account_sid: account }
    }
    store.deleteAllData()
    opts.seedFlows()
    return { reset: 'all' }
  })

  app.get('/snapshot', async function exportSnapshot () {
    return store.exportSnapshot()
  })

  app.put('/snapshot', { bodyLimit: SNAPSHOT_BODY_LIMIT }, async function importSnapshot (request) {
    try {
      store.importSnapshot(request.body)
    } catch (err) {
      if (err instanceof SnapshotError) throw new TwilioError(400, 20001, `Invalid snapshot: ${err.message}`)
      throw err
    }
    // Executions imported mid-run or waiting carry on from where the snapshot has them.
    opts.engine.resume()
    const counts = Object.fromEntries(Object.entries(store.exportSnapshot().tables).map(([k, rows]) => [k, rows.length]))
    return { imported: counts }
  })

  app.get<{ Querystring: { method?: string, path?: string, status?: string, limit?: string } }>('/requests', async function listRequests (request) {
    const q = request.query
    const limit = q.limit === undefined ? undefined : parseLimit(q.limit, 1, journal.size)
    const requests = journal.list({ method: q.method, path: q.path, status: q.status, limit })
    return { requests, size: journal.size }
  })

  app.delete('/requests', async function clearRequests (_request, reply) {
    journal.clear()
    return await reply.code(204).send()
  })

  app.get('/faults', async () => ({ faults: faults.list() }))
  app.post('/faults', async function addFault (request, reply) {
    return await reply.code(201).send(faults.add(request.body))
  })
  app.delete('/faults', async function clearFaults (_request, reply) {
    faults.clear()
    return await reply.code(204).send()
  })
  app.delete<{ Params: { id: string } }>('/faults/:id', async function removeFault (request, reply) {
    if (!faults.remove(request.params.id)) throw resourceNotFound(request.url)
    return await reply.code(204).send()
  })

  app.get<{ Querystring: { pending?: string, limit?: string } }>('/events', async function listEvents (request) {
    const limit = parseLimit(request.query.limit, 100, 10_000)
    const entries = store.listEvents({ pendingOnly: request.query.pending === 'true', limit })
    return {
      sink: config.eventsUrl ?? null,
      ...store.eventCounts(),
      events: entries.map(e => ({
        id: e.id,
        type: e.type,
        execution_sid: e.executionSid,
        account_sid: e.accountSid,
        status: e.deliveredAt !== null ? 'delivered' : 'pending',
        attempts: e.attempts,
        last_error: e.lastError,
        created_at: new Date(e.createdAt).toISOString(),
        next_attempt_at: e.deliveredAt === null ? new Date(e.nextAttemptAt).toISOString() : null,
        delivered_at: e.deliveredAt === null ? null : new Date(e.deliveredAt).toISOString(),
        event: e.event
      }))
    }
  })

  app.post('/events/retry', async function retryEvents () {
    const retried = store.retryPendingEventsNow(Date.now())
    opts.kickEvents()
    return { retried }
  })

  app.get<{ Querystring: { flow?: string, execution?: string, to?: string, kind?: string, account?: string, limit?: string } }>('/outbox', async function listOutbox (request) {
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

  app.delete<{ Querystring: { account?: string } }>('/outbox', async function clearOutbox (request, reply) {
    store.clearMessages(request.query.account ?? null)
    return await reply.code(204).send()
  })

  const clockState = () => {
    const st = opts.clock.state()
    return { now: new Date(st.now).toISOString(), frozen: st.frozen, offset_ms: st.offset_ms }
  }

  app.get('/clock', async () => clockState())

  /** Moves the emulator's clock: {"advance_ms": 3600000}, {"set": "2030-01-01T00:00:00Z"}, {"freeze": true}, {"reset": true}. */
  app.post<{ Body: { advance_ms?: unknown, set?: unknown, freeze?: unknown, reset?: unknown } | null }>('/clock', async function moveClock (request) {
    const b = request.body ?? {}
    if (b === null || typeof b !== 'object') throw invalidParameter('body', 'must be a JSON object')
    if (b.reset === true) opts.clock.reset()
    if (b.freeze !== undefined) {
      if (typeof b.freeze !== 'boolean') throw invalidParameter('freeze', 'must be true or false')
      opts.clock.freeze(b.freeze)
    }
    if (b.set !== undefined) {
      const ms = typeof b.set === 'string' ? parseTwilioDate(b.set) : undefined
      if (ms === undefined || !inClockRange(ms)) throw invalidParameter('set', 'must be an ISO 8601 date-time from year 1970 to 9999')
      opts.clock.set(ms)
    }
    if (b.advance_ms !== undefined) {
      if (typeof b.advance_ms !== 'number' || !Number.isFinite(b.advance_ms)) throw invalidParameter('advance_ms', 'must be a number of milliseconds')
      if (!inClockRange(opts.clock.now() + b.advance_ms)) throw invalidParameter('advance_ms', 'would move the clock outside the years 1970 to 9999')
      opts.clock.advance(b.advance_ms)
    }
    // Timeouts and expiry that the move made due fire now; wait for them with /idle.
    opts.engine.tick()
    return clockState()
  })

  /** Answers when the flow engine has nothing in progress (no execution mid-step), so tests never sleep. */
  app.get<{ Querystring: { timeout_ms?: string } }>('/idle', async function idle (request, reply) {
    const timeoutMs = Math.min(Number(request.query.timeout_ms ?? 30_000) || 30_000, 300_000)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'timeout'>(resolve => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
    const result = await Promise.race([opts.engine.idle().then(() => 'idle' as const), timedOut])
    clearTimeout(timer)
    return await reply.code(result === 'idle' ? 200 : 503).send({ idle: result === 'idle' })
  })

  app.get('/widget-events', async () => ({ choices: opts.choices.list() }))

  /** Chooses the event a telephony/Flex widget takes: {"widget": "gather_1", "event": "keypress", "publish": {"Digits": "1"}}. */
  app.post<{ Body: Record<string, unknown> | null }>('/widget-events', async function chooseWidgetEvent (request, reply) {
    const b = request.body
    if (b === null || typeof b !== 'object' || Array.isArray(b)) throw invalidParameter('body', 'must be a JSON object')
    if (typeof b.widget !== 'string' || b.widget === '') throw invalidParameter('widget', 'is required (the widget name)')
    if (typeof b.event !== 'string' || b.event === '') throw invalidParameter('event', 'is required (the transition event to take)')
    if (b.publish !== undefined && (b.publish === null || typeof b.publish !== 'object' || Array.isArray(b.publish))) throw invalidParameter('publish', 'must be an object')
    if (b.flow_sid !== undefined && !isSid('FW', b.flow_sid)) throw invalidParameter('flow_sid', 'must be a Flow SID')
    if (b.times !== undefined && (typeof b.times !== 'number' || !Number.isInteger(b.times) || b.times < 1)) throw invalidParameter('times', 'must be a positive integer')
    const choice = opts.choices.add({
      widget: b.widget,
      event: b.event,
      publish: (b.publish ?? {}) as Record<string, unknown>,
      flow_sid: (b.flow_sid as string | undefined) ?? null,
      remaining: (b.times as number | undefined) ?? null
    })
    return await reply.code(201).send(choice)
  })

  app.delete('/widget-events', async function clearWidgetEvents (_request, reply) {
    opts.choices.clear()
    return await reply.code(204).send()
  })

  refuseOtherMethods(app, '/outbox', ['GET', 'DELETE'])
  refuseOtherMethods(app, '/clock', ['GET', 'POST'])
  refuseOtherMethods(app, '/idle', ['GET'])
  refuseOtherMethods(app, '/widget-events', ['GET', 'POST', 'DELETE'])
  refuseOtherMethods(app, '/reset', ['POST'])
  refuseOtherMethods(app, '/snapshot', ['GET', 'PUT'])
  refuseOtherMethods(app, '/requests', ['GET', 'DELETE'])
  refuseOtherMethods(app, '/faults', ['GET', 'POST', 'DELETE'])
  refuseOtherMethods(app, '/faults/:id', ['DELETE'])
  refuseOtherMethods(app, '/events', ['GET'])
  refuseOtherMethods(app, '/events/retry', ['POST'])
}

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
