// The inspector's reads (/__emulator/ui): executions of every flow and account newest first with filters, one
// execution by SID wherever it is, its steps with their contexts, and its inbound messages. The operator's view,
// so not scoped to one account; each list page is one range scan of an index (migrations/0007), read backwards from
// a keyset cursor, whatever the number of stored executions.
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

/** Filters applied along the scan, and the page's edge: `before` is the last row shown, as (date_created, id). */
const filters = `AND (@accountSid IS NULL OR f.account_sid = @accountSid) AND (@flowId IS NULL OR e.flow_id = @flowId)
  AND (@status IS NULL OR e.status = @status) AND (@contact IS NULL OR e.contact_channel_address = @contact)`
const byDate = `${filters}
  AND (e.date_created < @date OR (e.date_created = @date AND e.id < @id))
  ORDER BY e.date_created DESC, e.id DESC LIMIT @limit`
/** Executions are numbered as they are created: newest first is rowid order, read backwards. */
const byId = `${filters} AND e.id < @id ORDER BY e.id DESC LIMIT @limit`

export type InspectorRepository = ReturnType<typeof createInspectorRepository>

export function createInspectorRepository (db: DB) {
  // One statement per index: the most selective filter given picks it; the others apply along the scan.
  const list = {
    contact: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e INDEXED BY executions_by_contact JOIN flows f ON f.id = e.flow_id
      WHERE e.contact_channel_address = @contact ${byId}`).raw(true),
    flow: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e INDEXED BY executions_by_flow_date JOIN flows f ON f.id = e.flow_id
      WHERE e.flow_id = @flowId ${byDate}`).raw(true),
    active: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e INDEXED BY executions_active_by_age JOIN flows f ON f.id = e.flow_id
      WHERE e.status = 'active' ${byDate}`).raw(true),
    all: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e JOIN flows f ON f.id = e.flow_id
      WHERE 1 ${byId}`).raw(true)
  }
  const s = {
    bySid: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e JOIN flows f ON f.id = e.flow_id WHERE e.sid = ?`).raw(true),
    countFlows: db.prepare('SELECT count(*) FROM flows WHERE account_sid = ?').pluck(),
    flowId: db.prepare('SELECT id FROM flows WHERE sid = @flowSid AND (@accountSid IS NULL OR account_sid = @accountSid) ORDER BY account_sid LIMIT 1').pluck(),
    steps: db.prepare(`SELECT ${STEP_COLUMNS}, s.context FROM steps s JOIN executions e ON e.id = s.execution_id JOIN flows f ON f.id = e.flow_id
      WHERE e.sid = ? ORDER BY s.id LIMIT ?`),
    inbound: db.prepare(`SELECT message_sid AS messageSid, from_address AS "from", to_address AS "to", body, outcome, date_created AS dateCreated
      FROM inbound_messages INDEXED BY inbound_messages_by_execution WHERE execution_sid = ? ORDER BY id LIMIT ?`)
  }

  /** Executions newest first: every account's, or as filtered. */
  function listAllExecutions (f: ExecutionFilter): ExecutionRecord[] {
    const params = {
      accountSid: f.accountSid ?? null,
      flowId: f.flowId ?? null,
      status: f.status ?? null,
      contact: f.contact ?? null,
      date: f.before?.date ?? NEWEST,
      id: f.before?.id ?? Number.MAX_SAFE_INTEGER,
      limit: f.limit
    }
    const statement = f.contact !== undefined ? list.contact : f.flowId !== undefined ? list.flow : f.status === 'active' ? list.active : list.all
    return (statement.all(params) as unknown[][]).map(toExecution)
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
    const params = { accountSid: null, flowId: 1, status: null, contact: '+1', date: NEWEST, id: 1, limit: 51 }
    return Object.values(list).map(st => (db.prepare(`EXPLAIN QUERY PLAN ${st.source}`).all(params) as Array<{ detail: string }>).map(r => r.detail).join('; '))
  }

  return { listAllExecutions, flowIdOf, countFlowsOf, findExecution, stepsWithContext, inboundMessagesOf, inspectorQueryPlans }
}
