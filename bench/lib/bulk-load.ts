// Bulk-loads executions straight into the data layer (prepared statements in large transactions), for the benchmark
// and for large-data tests: a million rows in seconds instead of a million HTTP creates. Also the few read probes
// the benchmark needs to aim its requests (a row's keyset position, sample SIDs, a count).
import { createFlowRepository } from '../../src/db/flows.js'
import type { DB } from '../../src/db/open.js'
import { restContext } from '../../src/studio/context.js'
import { autoFlowRevision } from '../../src/studio/flow-definition.js'
import { newSid } from '../../src/twilio/sid.js'
import type { FlowRecord } from '../../src/types.js'

/** Bumped whenever the generated rows change, so cached benchmark databases are rebuilt. */
export const BULK_LOAD_VERSION = 1

export interface BulkLoadOptions {
  accountSid: string
  flowSid: string
  /** How many executions to add. */
  count: number
  /** date_created of the first (oldest) execution, epoch ms. */
  startMs: number
  /** Milliseconds between consecutive executions' date_created (0: all in the same millisecond). */
  stepMs: number
  /** Distinct contacts (To numbers) the executions are spread over, round robin; default min(count, 200 000). */
  contacts?: number
  /** Share of the newest executions left active (default 0.01); the others have ended. */
  activeShare?: number
  /** Rows per transaction (default 50 000). */
  batchSize?: number
  /** Called after each committed transaction with the number of executions inserted so far. */
  onProgress?: (inserted: number) => void
}

export interface BulkLoadResult {
  flow: FlowRecord
  inserted: number
  active: number
  /** Storage ids of the first and last inserted executions. */
  firstId: number
  lastId: number
  ms: number
}

const NAMES = ['Zeke', 'Ada', 'Grace', 'Linus', 'Margaret', 'Alan', 'Barbara', 'Ken', 'Frances', 'Dennis']
const FROM = ['+15557654321', '+15557654322', '+15557654323']

/**
 * Adds `count` executions (each with its Context document) to a flow of `accountSid`, registering the flow as an
 * `auto` flow when it does not exist. The flow must have no executions yet. Executions are spaced `stepMs` apart
 * from `startMs`, oldest first (so storage ids follow date_created); the newest `activeShare` stay active and the
 * rest ended (FLOW_END, one in ten ENDED_BY_API). Each has a context shaped like a REST-triggered one.
 */
export function bulkLoadExecutions (db: DB, opts: BulkLoadOptions): BulkLoadResult {
  const started = performance.now()
  const { accountSid, flowSid, count, startMs, stepMs } = opts
  const batchSize = Math.max(1, opts.batchSize ?? 50_000)
  const contacts = Math.max(1, opts.contacts ?? Math.min(count, 200_000))
  // Active executions must have distinct To/From pairs (one active per contact): the newest rows have distinct To
  // as long as there are no more of them than contacts.
  const active = Math.min(Math.floor(count * (opts.activeShare ?? 0.01)), contacts)

  const flows = createFlowRepository(db)
  const flow = flows.findFlow(accountSid, flowSid) ?? flows.createFlow(accountSid, flowSid, 'auto', autoFlowRevision(flowSid), startMs)
  const existing = db.prepare('SELECT count(*) AS n FROM executions WHERE flow_id = ?').get(flow.id) as { n: number }
  if (existing.n > 0) throw new Error(`flow ${flowSid} already has ${existing.n} executions`)

  const insertExecution = db.prepare(`INSERT INTO executions (flow_id, sid, contact_channel_address,
      from_address, status, ended_reason, flow_revision, initiated_by, date_created, date_updated)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const insertContext = db.prepare('INSERT INTO execution_contexts (execution_id, context) VALUES (?, ?)')

  const toOf = (c: number) => `+1555${String(c).padStart(7, '0')}`
  let firstId = 0
  let lastId = 0
  const insertBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const c = i % contacts
      const sid = newSid('FN')
      const contactAddress = toOf(c)
      const fromAddress = FROM[i % FROM.length] as string
      const isActive = i >= count - active
      const created = startMs + i * stepMs
      const parameters = { name: NAMES[i % NAMES.length], order_id: String(100_000 + i), lang: 'en-US' }
      const { lastInsertRowid } = insertExecution.run(
        flow.id, sid, contactAddress, fromAddress,
        isActive ? 'active' : 'ended',
        isActive ? null : i % 10 === 0 ? 'ENDED_BY_API' : 'FLOW_END',
        flow.revision, newSid('RQ'), created,
        isActive ? created : created + 500 + (i * 7919) % 120_000
      )
      const id = Number(lastInsertRowid)
      if (i === 0) firstId = id
      lastId = id
      insertContext.run(id, JSON.stringify(restContext(flowSid, sid, { to: contactAddress, from: fromAddress }, parameters)))
    }
  })

  // A large page cache keeps the SID index's random inserts in memory; NORMAL → OFF is safe here because a
  // crashed load is thrown away anyway. Both are put back afterwards.
  const cacheSize = db.pragma('cache_size', { simple: true }) as number
  const synchronous = db.pragma('synchronous', { simple: true }) as number
  db.pragma('cache_size = -262144')
  db.pragma('synchronous = OFF')
  try {
    for (let from = 0; from < count; from += batchSize) {
      const to = Math.min(count, from + batchSize)
      insertBatch(from, to)
      opts.onProgress?.(to)
    }
  } finally {
    db.pragma(`cache_size = ${cacheSize}`)
    db.pragma(`synchronous = ${synchronous}`)
  }
  if (db.pragma('journal_mode', { simple: true }) === 'wal') db.pragma('wal_checkpoint(TRUNCATE)')
  return { flow, inserted: count, active, firstId, lastId, ms: performance.now() - started }
}

/** How many executions a flow of the account has (0 when there is no such flow). */
export function countExecutions (db: DB, accountSid: string, flowSid: string): number {
  const row = db.prepare(`SELECT count(*) AS n FROM executions e JOIN flows f ON f.id = e.flow_id
    WHERE f.account_sid = ? AND f.sid = ?`).get(accountSid, flowSid) as { n: number }
  return row.n
}

/** A flow's executions, how many of them are still active, and their steps (after a run, for its checks). */
export function flowRunSummary (db: DB, accountSid: string, flowSid: string): { executions: number, active: number, steps: number } {
  return db.prepare(`SELECT count(*) AS executions, coalesce(sum(e.status = 'active'), 0) AS active,
      coalesce(sum((SELECT count(*) FROM steps s WHERE s.execution_id = e.id)), 0) AS steps
    FROM executions e JOIN flows f ON f.id = e.flow_id WHERE f.account_sid = ? AND f.sid = ?`).get(accountSid, flowSid) as { executions: number, active: number, steps: number }
}

/** How many messages at a flow's webhook resumed, started or were dropped. */
export function inboundOutcomes (db: DB, accountSid: string, flowSid: string): Record<string, number> {
  const rows = db.prepare('SELECT outcome, count(*) AS n FROM inbound_messages WHERE account_sid = ? AND flow_sid = ? GROUP BY outcome').all(accountSid, flowSid) as Array<{ outcome: string, n: number }>
  return Object.fromEntries(rows.map(r => [r.outcome, r.n]))
}

export interface ExecutionPosition {
  sid: string
  /** The list's keyset key for this row: [date_created ms, storage id], as page tokens carry it. */
  dateCreated: number
  id: number
}

/** The execution at `offset` in the flow's list order (newest first), or undefined past the end. */
export function executionAtOffset (db: DB, accountSid: string, flowSid: string, offset: number): ExecutionPosition | undefined {
  return db.prepare(`SELECT e.sid, e.date_created AS dateCreated, e.id FROM executions e JOIN flows f ON f.id = e.flow_id
    WHERE f.account_sid = ? AND f.sid = ? ORDER BY e.date_created DESC, e.id DESC LIMIT 1 OFFSET ?`)
    .get(accountSid, flowSid, offset) as ExecutionPosition | undefined
}

/** Up to `n` execution SIDs spread evenly over the flow's storage order. */
export function sampleExecutionSids (db: DB, accountSid: string, flowSid: string, n: number): string[] {
  const every = Math.max(1, Math.floor(countExecutions(db, accountSid, flowSid) / Math.max(1, n)))
  const rows = db.prepare(`SELECT e.sid FROM executions e JOIN flows f ON f.id = e.flow_id
    WHERE f.account_sid = ? AND f.sid = ? AND e.id % ? = 0 LIMIT ?`).all(accountSid, flowSid, every, n) as Array<{ sid: string }>
  return rows.map(r => r.sid)
}
