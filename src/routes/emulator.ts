// The control API under /__emulator (no Twilio path starts so): reset, snapshot, request journal, faults, events.
// JSON in and out; guarded by STUDIO_ADMIN_TOKEN when it is set.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import type { FaultService } from '../control/faults.js'
import type { Journal } from '../control/journal.js'
import { SnapshotError } from '../db/snapshot.js'
import type { Store } from '../db/store.js'
import { refuseOtherMethods } from '../http/methods.js'
import { TwilioError, invalidParameter, resourceNotFound } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'

export interface EmulatorRoutesOptions {
  config: Config
  store: Store
  journal: Journal
  faults: FaultService
  /** Re-applies STUDIO_FLOWS_DIR to the given accounts after a reset. */
  seedFlows: (accountSids?: readonly string[]) => void
  /** Wakes event delivery (after a retry request). */
  kickEvents: () => void
}

/** Snapshots of demo environments can be large. */
const SNAPSHOT_BODY_LIMIT = 512 * 1024 * 1024

const digest = (s: string) => createHash('sha256').update(s).digest()

export async function emulatorRoutes (app: FastifyInstance, opts: EmulatorRoutesOptions) {
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
    const counts = Object.fromEntries(Object.entries(store.exportSnapshot().tables).map(([k, rows]) => [k, rows.length]))
    return { imported: counts }
  })

  app.get<{ Querystring: { method?: string, path?: string, status?: string, limit?: string } }>('/requests', async function listRequests (request) {
    const q = request.query
    const limit = q.limit === undefined ? undefined : Number(q.limit)
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw invalidParameter('limit', 'must be a positive integer')
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
    const limit = Math.min(Number(request.query.limit ?? 100) || 100, 10_000)
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

  refuseOtherMethods(app, '/reset', ['POST'])
  refuseOtherMethods(app, '/snapshot', ['GET', 'PUT'])
  refuseOtherMethods(app, '/requests', ['GET', 'DELETE'])
  refuseOtherMethods(app, '/faults', ['GET', 'POST', 'DELETE'])
  refuseOtherMethods(app, '/faults/:id', ['DELETE'])
  refuseOtherMethods(app, '/events', ['GET'])
  refuseOtherMethods(app, '/events/retry', ['POST'])
}
