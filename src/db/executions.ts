// Executions, their Context documents and their Steps. Part of the data layer: every statement prepared once.
import { writeTransaction, type DB } from './open.js'
import { FAR_FUTURE, FAR_PAST, offsetOf, toPage, toPageAt } from './paging.js'
import type { EndedReason, ExecutionRecord, ExecutionStatus, FlowRecord, JsonObject, StepRecord } from '../types.js'
import type { PagePosition, PageResult } from '../twilio/paging.js'
import { contactSid } from '../twilio/sid.js'

export interface NewExecution {
  sid: string
  to: string
  from: string
  flowRevision: number
  initiatedBy: string | null
  context: JsonObject
  now: number
  /** An incoming call's execution in a flow that allows concurrent calls: outside the one-active-per-contact rule. */
  concurrentCall?: boolean
}

export interface NewStep extends Pick<StepRecord, 'sid' | 'parentStepSid' | 'name' | 'transitionedFrom' | 'transitionedTo' | 'type'> {
  /** The Step's Context as JSON text, taken when the step was (the execution's Context changes after). */
  context: string
  now: number
}

export interface ExecutionListQuery {
  /** Inclusive lower bound on date_created (epoch ms). */
  createdFrom?: number | undefined
  /** Exclusive upper bound on date_created (epoch ms). */
  createdTo?: number | undefined
  status?: ExecutionStatus | undefined
  token?: PagePosition | undefined
  pageSize: number
}

export interface StepListQuery {
  token?: PagePosition | undefined
  pageSize: number
}

export type CreateExecutionResult =
  | { outcome: 'created', execution: ExecutionRecord }
  | { outcome: 'active-exists', execution: ExecutionRecord }

export type EndExecutionResult =
  | { outcome: 'ended', execution: ExecutionRecord }
  | { outcome: 'already-ended', execution: ExecutionRecord }
  | { outcome: 'not-found' }

/**
 * Executions are read as raw rows (arrays), which better-sqlite3 builds about twice as fast as objects; this
 * column list and toExecution() must stay in the same order.
 */
export const EXECUTION_COLUMNS = `e.id, f.account_sid, f.sid, e.sid, e.contact_channel_address, e.from_address, e.status,
  e.ended_reason, e.flow_revision, e.initiated_by, e.date_created, e.date_updated`

type Row = unknown[]

export function toExecution (r: Row): ExecutionRecord {
  return {
    id: r[0] as number,
    accountSid: r[1] as string,
    flowSid: r[2] as string,
    sid: r[3] as string,
    // Not stored: derived from the account and the address (migration 0012).
    contactSid: contactSid(r[1] as string, r[4] as string),
    contactChannelAddress: r[4] as string,
    fromAddress: r[5] as string,
    status: r[6] as ExecutionStatus,
    endedReason: r[7] as EndedReason | null,
    flowRevision: r[8] as number,
    initiatedBy: r[9] as string | null,
    dateCreated: r[10] as number,
    dateUpdated: r[11] as number
  }
}

const toExecutionOrUndefined = (r: unknown): ExecutionRecord | undefined => r === undefined ? undefined : toExecution(r as Row)

export const STEP_COLUMNS = `s.id, f.account_sid AS accountSid, f.sid AS flowSid, e.sid AS executionSid, s.sid,
  s.parent_step_sid AS parentStepSid, s.name, s.transitioned_from AS transitionedFrom,
  s.transitioned_to AS transitionedTo, s.type, s.date_created AS dateCreated, s.date_updated AS dateUpdated`

/** Scopes a query to one account's execution of one flow. */
const EXECUTION_SCOPE = `FROM executions e JOIN flows f ON f.id = e.flow_id
  WHERE e.sid = @sid AND f.sid = @flowSid AND f.account_sid = @accountSid`

export type ExecutionRepository = ReturnType<typeof createExecutionRepository>

export function createExecutionRepository (db: DB) {
  const s = {
    findActiveExecution: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM executions e JOIN flows f ON f.id = e.flow_id
      WHERE e.flow_id = @flowId AND e.contact_channel_address = @to AND e.from_address = @from AND e.status = 'active'
        AND e.concurrent_call = 0`).raw(true),
    insertExecution: db.prepare(`INSERT INTO executions (flow_id, sid, contact_channel_address, from_address,
        status, flow_revision, initiated_by, date_created, date_updated, concurrent_call)
      VALUES (@flowId, @sid, @to, @from, 'active', @flowRevision, @initiatedBy, @now, @now, @concurrentCall)`),
    insertExecutionContext: db.prepare('INSERT INTO execution_contexts (execution_id, context) VALUES (?, ?)'),
    getExecution: db.prepare(`SELECT ${EXECUTION_COLUMNS} ${EXECUTION_SCOPE}`).raw(true),
    getExecutionContext: db.prepare(`SELECT ${EXECUTION_COLUMNS}, c.context ${EXECUTION_SCOPE.replace('FROM executions e', 'FROM executions e JOIN execution_contexts c ON c.execution_id = e.id')}`).raw(true),
    endExecution: db.prepare(`UPDATE executions SET status = 'ended', ended_reason = @reason, date_updated = @now,
        current_widget = NULL, wait_kind = NULL, wait_until = NULL, wait_event = NULL, pending_step_sid = NULL,
        frame_flow_sid = NULL, frame_revision = NULL, frame_widget = NULL, frame_context = NULL
      WHERE status = 'active' AND sid = @sid
        AND flow_id = (SELECT id FROM flows WHERE account_sid = @accountSid AND sid = @flowSid)`),
    deleteExecution: db.prepare(`DELETE FROM executions WHERE sid = @sid
        AND flow_id = (SELECT id FROM flows WHERE account_sid = @accountSid AND sid = @flowSid)`),
    listExecutionsAfter: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM flows f JOIN executions e ON e.flow_id = f.id
      WHERE f.account_sid = @accountSid AND f.sid = @flowSid
        AND e.date_created >= @from AND e.date_created <= @edgeDate
        AND (e.date_created < @edgeDate OR e.id < @edgeId)
        AND (@status IS NULL OR e.status = @status)
      ORDER BY e.date_created DESC, e.id DESC LIMIT @limit OFFSET @offset`).raw(true),
    listExecutionsBefore: db.prepare(`SELECT ${EXECUTION_COLUMNS} FROM flows f JOIN executions e ON e.flow_id = f.id
      WHERE f.account_sid = @accountSid AND f.sid = @flowSid
        AND e.date_created >= @edgeDate AND e.date_created < @to
        AND (e.date_created > @edgeDate OR e.id > @edgeId)
        AND (@status IS NULL OR e.status = @status)
      ORDER BY e.date_created ASC, e.id ASC LIMIT @limit`).raw(true),
    countExecutions: db.prepare(`SELECT count(*) FROM flows f JOIN executions e ON e.flow_id = f.id
      WHERE f.account_sid = @accountSid AND f.sid = @flowSid AND e.date_created >= @from AND e.date_created < @to
        AND (@status IS NULL OR e.status = @status)`).pluck(),

    executionId: db.prepare(`SELECT e.id ${EXECUTION_SCOPE}`),
    updateContext: db.prepare(`UPDATE execution_contexts SET context = @context
      WHERE execution_id = (SELECT e.id ${EXECUTION_SCOPE})`),
    insertStep: db.prepare(`INSERT INTO steps (execution_id, sid, parent_step_sid, name, transitioned_from, transitioned_to,
        type, context, date_created)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    getStep: db.prepare(`SELECT ${STEP_COLUMNS} FROM steps s JOIN executions e ON e.id = s.execution_id JOIN flows f ON f.id = e.flow_id
      WHERE s.sid = @stepSid AND e.sid = @sid AND f.sid = @flowSid AND f.account_sid = @accountSid`),
    getStepContext: db.prepare(`SELECT ${STEP_COLUMNS}, s.context FROM steps s JOIN executions e ON e.id = s.execution_id JOIN flows f ON f.id = e.flow_id
      WHERE s.sid = @stepSid AND e.sid = @sid AND f.sid = @flowSid AND f.account_sid = @accountSid`),
    listStepsAfter: db.prepare(`SELECT ${STEP_COLUMNS} ${EXECUTION_SCOPE.replace('FROM executions e', 'FROM executions e JOIN steps s ON s.execution_id = e.id')}
        AND s.id < @keyId ORDER BY s.id DESC LIMIT @limit OFFSET @offset`),
    listStepsBefore: db.prepare(`SELECT ${STEP_COLUMNS} ${EXECUTION_SCOPE.replace('FROM executions e', 'FROM executions e JOIN steps s ON s.execution_id = e.id')}
        AND s.id > @keyId ORDER BY s.id ASC LIMIT @limit`),
    countSteps: db.prepare(`SELECT count(*) ${EXECUTION_SCOPE.replace('FROM executions e', 'FROM executions e JOIN steps s ON s.execution_id = e.id')}`).pluck()
  }

  /**
   * Creates an execution unless one is already active in the flow for the same To/From pair, in which
   * case nothing is written and the active one comes back (the caller applies the v1 or v2 rule).
   * Its two writes belong together: call it inside a transaction (the ExecutionWriter does).
   */
  function createExecution (accountSid: string, flow: FlowRecord, input: NewExecution): CreateExecutionResult {
    if (flow.accountSid !== accountSid) throw new Error('flow belongs to another account')
    const active = input.concurrentCall === true ? undefined : toExecutionOrUndefined(s.findActiveExecution.get({ flowId: flow.id, to: input.to, from: input.from }))
    if (active !== undefined) return { outcome: 'active-exists', execution: active }
    const { lastInsertRowid } = s.insertExecution.run({
      flowId: flow.id,
      sid: input.sid,
      to: input.to,
      from: input.from,
      flowRevision: input.flowRevision,
      initiatedBy: input.initiatedBy,
      now: input.now,
      concurrentCall: input.concurrentCall === true ? 1 : 0
    })
    s.insertExecutionContext.run(lastInsertRowid, JSON.stringify(input.context))
    return {
      outcome: 'created',
      execution: {
        id: Number(lastInsertRowid),
        accountSid,
        flowSid: flow.sid,
        sid: input.sid,
        contactSid: contactSid(accountSid, input.to),
        contactChannelAddress: input.to,
        fromAddress: input.from,
        status: 'active',
        endedReason: null,
        flowRevision: input.flowRevision,
        initiatedBy: input.initiatedBy,
        dateCreated: input.now,
        dateUpdated: input.now
      }
    }
  }

  function getExecution (accountSid: string, flowSid: string, sid: string): ExecutionRecord | undefined {
    return toExecutionOrUndefined(s.getExecution.get({ accountSid, flowSid, sid }))
  }

  /** The execution with its Context document, in one read. */
  function getExecutionContext (accountSid: string, flowSid: string, sid: string): { execution: ExecutionRecord, context: JsonObject } | undefined {
    const row = s.getExecutionContext.get({ accountSid, flowSid, sid }) as Row | undefined
    if (row === undefined) return undefined
    return { execution: toExecution(row), context: JSON.parse(row[12] as string) as JsonObject }
  }

  function listExecutions (accountSid: string, flowSid: string, q: ExecutionListQuery): PageResult<ExecutionRecord> {
    const token = q.token?.direction === 'offset' ? undefined : q.token
    const before = token?.direction === 'before'
    const from = q.createdFrom ?? FAR_PAST
    const to = q.createdTo ?? FAR_FUTURE
    const status = q.status ?? null
    // The page edge is whichever binds first, the token's row or the date window, so that the index range
    // starts exactly there: a deep page costs the same as the first. An offset (Page=n) starts at the window's edge.
    let edgeDate: number
    let edgeId: number
    if (before) {
      const [keyDate, keyId] = token.key as [number, number]
      ;[edgeDate, edgeId] = keyDate >= from ? [keyDate, keyId] : [from, 0]
    } else {
      const [keyDate, keyId] = (token?.key ?? [FAR_FUTURE, FAR_FUTURE]) as [number, number]
      ;[edgeDate, edgeId] = keyDate <= to - 1 ? [keyDate, keyId] : [to - 1, FAR_FUTURE]
    }
    if (before) {
      const rows = (s.listExecutionsBefore.all({ accountSid, flowSid, from, to, edgeDate, edgeId, status, limit: q.pageSize + 1 }) as Row[]).map(toExecution)
      return toPage(rows, q.pageSize, true)
    }
    const rows = (s.listExecutionsAfter.all({
      accountSid, flowSid, from, to, edgeDate, edgeId, status, limit: q.pageSize + 1, offset: offsetOf(q.token)
    }) as Row[]).map(toExecution)
    return toPageAt(rows, q.pageSize, q.token, () => s.countExecutions.get({ accountSid, flowSid, from, to, status }) as number)
  }

  /** Moves an active execution to ended: one guarded UPDATE, whose row count tells the outcome. */
  const endExecution = writeTransaction(db, (accountSid: string, flowSid: string, sid: string, reason: EndedReason, now: number): EndExecutionResult => {
    const { changes } = s.endExecution.run({ accountSid, flowSid, sid, reason, now })
    const execution = getExecution(accountSid, flowSid, sid)
    if (execution === undefined) return { outcome: 'not-found' }
    return changes === 1 ? { outcome: 'ended', execution } : { outcome: 'already-ended', execution }
  })

  /** Deletes an execution with its context and steps; false when the account has no such execution. */
  function deleteExecution (accountSid: string, flowSid: string, sid: string): boolean {
    return s.deleteExecution.run({ accountSid, flowSid, sid }).changes === 1
  }

  function listSteps (accountSid: string, flowSid: string, executionSid: string, q: StepListQuery): PageResult<StepRecord> {
    if (q.token?.direction === 'before') {
      const [keyId] = q.token.key
      return toPage(s.listStepsBefore.all({ accountSid, flowSid, sid: executionSid, keyId, limit: q.pageSize + 1 }) as StepRecord[], q.pageSize, true)
    }
    const [keyId] = q.token?.direction === 'after' ? q.token.key : [FAR_FUTURE]
    const rows = s.listStepsAfter.all({ accountSid, flowSid, sid: executionSid, keyId, limit: q.pageSize + 1, offset: offsetOf(q.token) }) as StepRecord[]
    return toPageAt(rows, q.pageSize, q.token, () => s.countSteps.get({ accountSid, flowSid, sid: executionSid }) as number)
  }

  function getStep (accountSid: string, flowSid: string, executionSid: string, stepSid: string): StepRecord | undefined {
    return s.getStep.get({ accountSid, flowSid, sid: executionSid, stepSid }) as StepRecord | undefined
  }

  function getStepContext (accountSid: string, flowSid: string, executionSid: string, stepSid: string): { step: StepRecord, context: JsonObject } | undefined {
    const row = s.getStepContext.get({ accountSid, flowSid, sid: executionSid, stepSid }) as (StepRecord & { context: string }) | undefined
    if (row === undefined) return undefined
    const { context, ...step } = row
    return { step, context: JSON.parse(context) as JsonObject }
  }

  /** Records one step of an execution; undefined when the account has no such execution. */
  /** Records a Step of the account's execution; `executionId`, when the caller has the row's id already, spares the lookup. */
  function insertStep (accountSid: string, flowSid: string, executionSid: string, step: NewStep, executionId?: number): StepRecord | undefined {
    const id = executionId ?? (s.executionId.get({ accountSid, flowSid, sid: executionSid }) as { id: number } | undefined)?.id
    if (id === undefined) return undefined
    // Positional: a run of instant widgets writes many Steps (binding by name looks every name up).
    const { lastInsertRowid } = s.insertStep.run(id, step.sid, step.parentStepSid, step.name, step.transitionedFrom, step.transitionedTo, step.type, step.context, step.now)
    return {
      id: Number(lastInsertRowid),
      accountSid,
      flowSid,
      executionSid,
      sid: step.sid,
      parentStepSid: step.parentStepSid,
      name: step.name,
      transitionedFrom: step.transitionedFrom,
      transitionedTo: step.transitionedTo,
      type: step.type,
      dateCreated: step.now,
      dateUpdated: null
    }
  }

  /** Replaces an execution's Context document. */
  function updateExecutionContext (accountSid: string, flowSid: string, sid: string, context: JsonObject): boolean {
    return s.updateContext.run({ accountSid, flowSid, sid, context: JSON.stringify(context) }).changes === 1
  }

  return {
    createExecution,
    getExecution,
    getExecutionContext,
    listExecutions,
    endExecution,
    deleteExecution,
    listSteps,
    insertStep,
    updateExecutionContext,
    getStep,
    getStepContext
  }
}
