// The inspector's reads (/__emulator/ui): executions of every flow and account newest first with filters, one
// execution by SID wherever it is, its steps with their contexts, and its inbound messages. The operator's view,
// so not scoped to one account; each list page is one range scan of an index, read backwards from a keyset cursor,
// whatever the number of stored executions; filters that the index does not apply bound that scan.
import type { Statement } from 'better-sqlite3'
import type { DB } from './open.js'
import { EXECUTION_COLUMNS, STEP_COLUMNS, toExecution } from './executions.js'
import type { ExecutionRecord, JsonObject, StepRecord } from '../types.js'

export interface ExecutionFilter {
  accountSid?: string | undefined
  /** The flow's row id (one account's flow). */
  flowId?: number | undefined
  status?: 'active' | 'ended' | undefined
  contact?: string | undefined
  /** Older than this execution (date_created, id): the next page. */
  before?: { date: number, id: number } | undefined
  limit: number
  /** At most this many executions are examined for one page when filters apply along the scan. */
  scan: number
}

export interface InboundMessageRow {
  messageSid: string
  from: string
  to: string
  body: string | null
  outcome: string
  dateCreated: number
}

/** Later than any date the clock can show: the first page starts here. */
const NEWEST = 9e15

/** Filters applied along the scan (the chosen index applies one of them itself). */
const filters = `AND (@accountSid IS NULL OR f.account_sid = @accountSid) AND (@flowId IS NULL OR e.flow_id = @flowId)
  AND (@status IS NULL OR e.status = @status) AND (@contact IS NULL OR e.contact_channel_address = @contact)`

/**
 * A page's edges in its index's order: `before` (the last row shown, as date_created and id) and `floor` (the last
 * row a bounded scan may examine; the oldest possible when the scan is not bounded). Executions are numbered as they are created,
 * so newest first is rowid order read backwards where the index has no date.
 */
const byDate = { edges: '(e.date_created, e.id) < (@date, @id) AND (e.date_created, e.id) >= (@floorDate, @floorId)', order: 'e.date_created DESC, e.id DESC' }
const byId = { edges: 'e.id < @id AND e.id >= @floorId', order: 'e.id DESC' }

/** One range per index: the most selective filter given picks it. */
const RANGES = {
  contact: { from: 'executions e INDEXED BY executions_by_contact', where: 'e.contact_channel_address = @contact', ...byId },
  flow: { from: 'executions e INDEXED BY executions_by_flow_date', where: 'e.flow_id = @flowId', ...byDate },
  active: { from: 'executions e INDEXED BY executions_active_by_age', where: "e.status = 'active'", ...byDate },
  all: { from: 'executions e', where: '1', ...byId }
}
type Range = keyof typeof RANGES

export type InspectorRepository = ReturnType<typeof createInspectorRepository>

export function createInspectorRepository (db: DB) {
  const statements = (sql: (r: typeof RANGES[Range]) => string) =>
    Object.fromEntries(Object.entries(RANGES).map(([k, r]) => [k, db.prepare(sql(r)).raw(true)])) as Record<Range, Statement>
  const list = statements(r => `SELECT ${EXECUTION_COLUMNS} FROM ${r.from} JOIN flows f ON f.id = e.flow_id
    WHERE ${r.where} AND ${r.edges} ${filters} ORDER BY ${r.order} LIMIT @limit`)
  /**
   * Where a scan of `skip` + 1 rows of the range stops, whatever the filters, and the row after it: the floor of a
   * bounded page (none when no row follows it).
   */
  const scanEdge = statements(r => `SELECT e.date_created, e.id FROM ${r.from} WHERE ${r.where} AND ${r.edges} ORDER BY ${r.order} LIMIT 2 OFFSET @skip`)
  const s = {
    bySid: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e JOIN flows f ON f.id = e.flow_id WHERE e.sid = ?`).raw(true),
    countFlows: db.prepare('SELECT count(*) FROM flows WHERE account_sid = ?').pluck(),
    flowId: db.prepare('SELECT id FROM flows WHERE sid = @flowSid AND (@accountSid IS NULL OR account_sid = @accountSid) ORDER BY account_sid LIMIT 1').pluck(),
    steps: db.prepare(`SELECT ${STEP_COLUMNS}, s.context FROM steps s JOIN executions e ON e.id = s.execution_id JOIN flows f ON f.id = e.flow_id
      WHERE e.sid = ? ORDER BY s.id LIMIT ?`),
    inbound: db.prepare(`SELECT message_sid AS messageSid, from_address AS "from", to_address AS "to", body, outcome, date_created AS dateCreated
      FROM inbound_messages INDEXED BY inbound_messages_by_execution WHERE execution_sid = ? ORDER BY id LIMIT ?`)
  }

  /**
   * Executions newest first: every account's, or as filtered. When filters apply along the scan (more than the one
   * its index applies), a page examines at most `scan` executions: `scannedTo` is then the last one examined, where
   * a search for older matches goes on.
   */
  function listAllExecutions (f: ExecutionFilter): { rows: ExecutionRecord[], scannedTo?: { date: number, id: number } } {
    const params = {
      accountSid: f.accountSid ?? null,
      flowId: f.flowId ?? null,
      status: f.status ?? null,
      contact: f.contact ?? null,
      date: f.before?.date ?? NEWEST,
      id: f.before?.id ?? Number.MAX_SAFE_INTEGER,
      floorDate: -NEWEST,
      floorId: 0,
      limit: f.limit,
      skip: f.scan - 1
    }
    const range: Range = f.contact !== undefined ? 'contact' : f.flowId !== undefined ? 'flow' : f.status === 'active' ? 'active' : 'all'
    const given = [f.accountSid, f.flowId, f.status, f.contact].filter(v => v !== undefined).length
    const beyond = given > (range === 'all' ? 0 : 1) ? scanEdge[range].all(params) as Array<[number, number]> : []
    const edge = beyond.length === 2 ? beyond[0] : undefined
    if (edge !== undefined) [params.floorDate, params.floorId] = edge
    const rows = (list[range].all(params) as unknown[][]).map(toExecution)
    return edge === undefined ? { rows } : { rows, scannedTo: { date: edge[0], id: edge[1] } }
  }

  /** The row id of a flow (of the given account; else of the first account that has it). */
  function flowIdOf (flowSid: string, accountSid?: string): number | undefined {
    return s.flowId.get({ flowSid, accountSid: accountSid ?? null }) as number | undefined
  }

  /** How many flows an account has. */
  function countFlowsOf (accountSid: string): number {
    return s.countFlows.get(accountSid) as number
  }

  /** An execution by SID, in whichever account it is. */
  function findExecution (sid: string): ExecutionRecord | undefined {
    const row = s.bySid.get(sid) as unknown[] | undefined
    return row === undefined ? undefined : toExecution(row)
  }

  /** An execution's steps, oldest first, each with its context. */
  function stepsWithContext (executionSid: string, limit = 1000): Array<StepRecord & { context: JsonObject }> {
    return (s.steps.all(executionSid, limit) as Array<StepRecord & { context: string }>).map(r => ({ ...r, context: JSON.parse(r.context) as JsonObject }))
  }

  /** The messages the contact sent to an execution (resumed it, started it, or were dropped). */
  function inboundMessagesOf (executionSid: string, limit = 1000): InboundMessageRow[] {
    return s.inbound.all(executionSid, limit) as InboundMessageRow[]
  }

  /** SQLite's plan for each list statement (tests check that every page reads one index, with no sort). */
  function inspectorQueryPlans (): string[] {
    const params = { accountSid: null, flowId: 1, status: null, contact: '+1', date: NEWEST, id: 1, floorDate: 0, floorId: 0, limit: 51, skip: 10 }
    return [...Object.values(list), ...Object.values(scanEdge)].map(st => (db.prepare(`EXPLAIN QUERY PLAN ${st.source}`).all(params) as Array<{ detail: string }>).map(r => r.detail).join('; '))
  }

  return { listAllExecutions, flowIdOf, countFlowsOf, findExecution, stepsWithContext, inboundMessagesOf, inspectorQueryPlans }
}
