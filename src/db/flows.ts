// Flows and their immutable revisions. Part of the data layer: every statement is prepared once here.
import { writeTransaction, type DB } from './open.js'
import { FAR_FUTURE, offsetOf, toPage, toPageAt } from './paging.js'
import type { FlowOrigin, FlowRecord, FlowRevisionRecord, FlowStatus, FlowValidationError, JsonObject } from '../types.js'
import type { PagePosition, PageResult } from '../twilio/paging.js'

export interface NewRevision {
  friendlyName: string
  status: FlowStatus
  definition: JsonObject
  commitMessage: string | null
  /** The User (US…) who wrote this revision (AuthorSid), when the request said. */
  authorSid?: string | null | undefined
  errors: FlowValidationError[]
  warnings: FlowValidationError[]
}

/** Which revision: a number, the latest, or the latest published one (the v2 Revisions API's names). */
export type RevisionSelector = number | 'LatestRevision' | 'LatestPublished'

/** A revision as text (a Revisions path segment, run-subflow's flow_revision): a positive number or one of the names. */
export function parseRevisionSelector (text: string): RevisionSelector | undefined {
  if (text === 'LatestPublished' || text === 'LatestRevision') return text
  return /^[1-9]\d{0,8}$/.test(text) ? Number(text) : undefined
}

export interface PageQuery {
  token?: PagePosition | undefined
  pageSize: number
}

const FLOW_COLUMNS = `f.id, f.account_sid AS accountSid, f.sid, f.origin, f.revision, r.friendly_name AS friendlyName,
  r.status, r.author_sid AS authorSid, f.test_users AS testUsers, f.date_created AS dateCreated, f.date_updated AS dateUpdated`

const FLOW_FROM = 'FROM flows f JOIN flow_revisions r ON r.flow_id = f.id AND r.revision = f.revision'

const REVISION_COLUMNS = `f.account_sid AS accountSid, f.sid AS flowSid, r.revision, r.friendly_name AS friendlyName,
  r.status, r.definition, r.commit_message AS commitMessage, r.author_sid AS authorSid, r.valid, r.errors, r.warnings,
  r.date_created AS dateCreated, r.date_updated AS dateUpdated`

interface FlowRow extends Omit<FlowRecord, 'testUsers'> { testUsers: string }
interface RevisionRow extends Omit<FlowRevisionRecord, 'definition' | 'valid' | 'errors' | 'warnings'> {
  definition: string
  valid: number
  errors: string
  warnings: string
}

function toFlow (row: FlowRow | undefined): FlowRecord | undefined {
  return row === undefined ? undefined : { ...row, testUsers: JSON.parse(row.testUsers) as string[] }
}

function toRevision (row: RevisionRow | undefined): FlowRevisionRecord | undefined {
  if (row === undefined) return undefined
  return {
    ...row,
    definition: JSON.parse(row.definition) as JsonObject,
    valid: row.valid === 1,
    errors: JSON.parse(row.errors) as FlowValidationError[],
    warnings: JSON.parse(row.warnings) as FlowValidationError[]
  }
}

export type FlowRepository = ReturnType<typeof createFlowRepository>

export function createFlowRepository (db: DB) {
  const s = {
    find: db.prepare(`SELECT ${FLOW_COLUMNS} ${FLOW_FROM} WHERE f.account_sid = ? AND f.sid = ?`),
    insertFlow: db.prepare(`INSERT INTO flows (account_sid, sid, revision, origin, date_created)
      VALUES (@accountSid, @sid, 1, @origin, @now)`),
    insertRevision: db.prepare(`INSERT INTO flow_revisions (flow_id, revision, friendly_name, status, definition,
        commit_message, author_sid, valid, errors, warnings, date_created)
      VALUES (@flowId, @revision, @friendlyName, @status, @definition, @commitMessage, @authorSid, @valid, @errors, @warnings, @now)`),
    bumpRevision: db.prepare('UPDATE flows SET revision = @revision, date_updated = @now WHERE id = @flowId'),
    setTestUsers: db.prepare('UPDATE flows SET test_users = @testUsers, date_updated = @now WHERE account_sid = @accountSid AND sid = @sid'),
    delete: db.prepare('DELETE FROM flows WHERE account_sid = ? AND sid = ?'),
    owners: db.prepare('SELECT account_sid FROM flows WHERE sid = ? ORDER BY account_sid').pluck(),
    setOrigin: db.prepare('UPDATE flows SET origin = @origin WHERE account_sid = @accountSid AND sid = @sid'),
    listAfter: db.prepare(`SELECT ${FLOW_COLUMNS} ${FLOW_FROM} WHERE f.account_sid = @accountSid
        AND (f.date_created < @edgeDate OR (f.date_created = @edgeDate AND f.id < @edgeId))
      ORDER BY f.date_created DESC, f.id DESC LIMIT @limit OFFSET @offset`),
    listBefore: db.prepare(`SELECT ${FLOW_COLUMNS} ${FLOW_FROM} WHERE f.account_sid = @accountSid
        AND (f.date_created > @edgeDate OR (f.date_created = @edgeDate AND f.id > @edgeId))
      ORDER BY f.date_created ASC, f.id ASC LIMIT @limit`),
    countFlows: db.prepare('SELECT count(*) FROM flows WHERE account_sid = ?').pluck(),
    revision: db.prepare(`SELECT ${REVISION_COLUMNS} FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE f.account_sid = ? AND f.sid = ? AND r.revision = ?`),
    latestPublished: db.prepare(`SELECT ${REVISION_COLUMNS} FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE f.account_sid = ? AND f.sid = ? AND r.status = 'published' ORDER BY r.revision DESC LIMIT 1`),
    revisionsAfter: db.prepare(`SELECT ${REVISION_COLUMNS} FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE f.account_sid = @accountSid AND f.sid = @sid AND r.revision < @edge ORDER BY r.revision DESC LIMIT @limit OFFSET @offset`),
    revisionsBefore: db.prepare(`SELECT ${REVISION_COLUMNS} FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE f.account_sid = @accountSid AND f.sid = @sid AND r.revision > @edge ORDER BY r.revision ASC LIMIT @limit`),
    countRevisions: db.prepare(`SELECT count(*) FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE f.account_sid = ? AND f.sid = ?`).pluck(),
    // Latest and published revisions whose definition text mentions the name (a cheap filter; widgetsNamed parses).
    definitionsMentioning: db.prepare(`SELECT f.sid AS flowSid, r.definition FROM flows f JOIN flow_revisions r ON r.flow_id = f.id
      WHERE (r.revision = f.revision OR r.status = 'published') AND (@flowSid IS NULL OR f.sid = @flowSid)
        AND instr(r.definition, @needle) > 0`)
  }

  /**
   * Every execution create reads its flow and published revision: both are cached here. Every write to flows in
   * this repository clears the cache, and so must any other writer (the snapshot import and resets: see store.ts).
   * Records from the cache are shared: callers never mutate them.
   */
  const flowCache = new Map<string, FlowRecord | null>()
  const revisionCache = new Map<string, FlowRevisionRecord | null>()
  function clearFlowCaches (): void {
    flowCache.clear()
    revisionCache.clear()
  }

  /**
   * Another process on the same file may have changed flows since the cache was filled. SQLite's data_version
   * changes on this connection whenever another connection commits (and never for its own commits, which clear
   * the cache themselves), so one cheap pragma before each cached read tells whether the cache can be trusted.
   * Inside a write transaction (BEGIN IMMEDIATE holds the lock) it reflects every commit before it, so a write
   * builds on the latest revision.
   */
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  let cachedVersion: unknown
  // Checked once per synchronous run (a request's reads of a flow and its revision share one check); a write
  // transaction checks again once it holds the lock.
  let checkedThisTurn = false
  const nextTurn = () => { checkedThisTurn = false }
  function trustCache (force = false): void {
    if (checkedThisTurn && !force) return
    if (!checkedThisTurn) {
      checkedThisTurn = true
      queueMicrotask(nextTurn)
    }
    const version = dataVersion.get()
    if (version !== cachedVersion) {
      clearFlowCaches()
      cachedVersion = version
    }
  }

  function findFlow (accountSid: string, sid: string): FlowRecord | undefined {
    trustCache()
    const key = `${accountSid}:${sid}`
    let flow = flowCache.get(key)
    if (flow === undefined) {
      flow = toFlow(s.find.get(accountSid, sid) as FlowRow | undefined) ?? null
      if (flowCache.size >= 10_000) flowCache.clear()
      flowCache.set(key, flow)
    }
    return flow ?? undefined
  }

  function insertRevisionRow (flowId: number, revision: number, r: NewRevision, now: number): void {
    s.insertRevision.run({
      flowId,
      revision,
      friendlyName: r.friendlyName,
      status: r.status,
      definition: JSON.stringify(r.definition),
      commitMessage: r.commitMessage,
      authorSid: r.authorSid ?? null,
      valid: r.errors.length === 0 ? 1 : 0,
      errors: JSON.stringify(r.errors),
      warnings: JSON.stringify(r.warnings),
      now
    })
  }

  /** Creates a flow with its first revision. Throws SQLITE_CONSTRAINT_UNIQUE when the account already has the SID. */
  const createFlow = writeTransaction(db, (accountSid: string, sid: string, origin: FlowOrigin, first: NewRevision, now: number): FlowRecord => {
    clearFlowCaches()
    const { lastInsertRowid } = s.insertFlow.run({ accountSid, sid, origin, now })
    insertRevisionRow(Number(lastInsertRowid), 1, first, now)
    return findFlow(accountSid, sid) as FlowRecord
  })

  /** Appends a revision and makes it the flow's latest. */
  const addRevision = writeTransaction(db, (accountSid: string, sid: string, next: NewRevision, now: number): FlowRecord | undefined => {
    trustCache(true)
    const flow = findFlow(accountSid, sid)
    if (flow === undefined) return undefined
    insertRevisionRow(flow.id, flow.revision + 1, next, now)
    s.bumpRevision.run({ flowId: flow.id, revision: flow.revision + 1, now })
    clearFlowCaches()
    return findFlow(accountSid, sid)
  })

  function getRevision (accountSid: string, sid: string, which: RevisionSelector): FlowRevisionRecord | undefined {
    if (which === 'LatestRevision') {
      const flow = findFlow(accountSid, sid)
      return flow === undefined ? undefined : getRevision(accountSid, sid, flow.revision)
    }
    trustCache()
    const key = `${accountSid}:${sid}:${which}`
    let revision = revisionCache.get(key)
    if (revision === undefined) {
      const row = which === 'LatestPublished' ? s.latestPublished.get(accountSid, sid) : s.revision.get(accountSid, sid, which)
      revision = toRevision(row as RevisionRow | undefined) ?? null
      if (revisionCache.size >= 10_000) revisionCache.clear()
      revisionCache.set(key, revision)
    }
    return revision ?? undefined
  }

  function listFlows (accountSid: string, q: PageQuery): PageResult<FlowRecord> {
    if (q.token?.direction === 'before') {
      const [edgeDate, edgeId] = q.token.key as [number, number]
      return toPage((s.listBefore.all({ accountSid, edgeDate, edgeId, limit: q.pageSize + 1 }) as FlowRow[]).map(r => toFlow(r) as FlowRecord), q.pageSize, true)
    }
    const [edgeDate, edgeId] = (q.token?.direction === 'after' ? q.token.key : [FAR_FUTURE, FAR_FUTURE]) as [number, number]
    const rows = s.listAfter.all({ accountSid, edgeDate, edgeId, limit: q.pageSize + 1, offset: offsetOf(q.token) }) as FlowRow[]
    return toPageAt(rows.map(r => toFlow(r) as FlowRecord), q.pageSize, q.token, () => s.countFlows.get(accountSid) as number)
  }

  function listRevisions (accountSid: string, sid: string, q: PageQuery): PageResult<FlowRevisionRecord> {
    if (q.token?.direction === 'before') {
      const [edge] = q.token.key as [number]
      return toPage((s.revisionsBefore.all({ accountSid, sid, edge, limit: q.pageSize + 1 }) as RevisionRow[]).map(r => toRevision(r) as FlowRevisionRecord), q.pageSize, true)
    }
    const [edge] = (q.token?.direction === 'after' ? q.token.key : [FAR_FUTURE]) as [number]
    const rows = s.revisionsAfter.all({ accountSid, sid, edge, limit: q.pageSize + 1, offset: offsetOf(q.token) }) as RevisionRow[]
    return toPageAt(rows.map(r => toRevision(r) as FlowRevisionRecord), q.pageSize, q.token, () => s.countRevisions.get(accountSid, sid) as number)
  }

  function setTestUsers (accountSid: string, sid: string, testUsers: string[], now: number): boolean {
    clearFlowCaches()
    return s.setTestUsers.run({ accountSid, sid, testUsers: JSON.stringify(testUsers), now }).changes === 1
  }

  /** Changes how a flow is known (an auto-registered flow whose definition a flows folder now gives becomes a file flow). */
  function setFlowOrigin (accountSid: string, sid: string, origin: FlowOrigin): void {
    clearFlowCaches()
    s.setOrigin.run({ accountSid, sid, origin })
  }

  /** Deletes a flow with its revisions, executions, contexts and steps. */
  function deleteFlow (accountSid: string, sid: string): boolean {
    clearFlowCaches()
    return s.delete.run(accountSid, sid).changes === 1
  }

  /**
   * The widgets named `name` in every flow's latest revision and its published ones (of every account; of the
   * flow `flowSid` only when given): each one's flow, type and the events its transitions declare, without repeats.
   */
  function widgetsNamed (name: string, flowSid?: string): Array<{ flowSid: string, type: string, events: string[] }> {
    const rows = s.definitionsMentioning.all({ flowSid: flowSid ?? null, needle: JSON.stringify(name) }) as Array<{ flowSid: string, definition: string }>
    const found = new Map<string, { flowSid: string, type: string, events: string[] }>()
    for (const row of rows) {
      const states = (JSON.parse(row.definition) as JsonObject).states
      if (!Array.isArray(states)) continue
      for (const state of states as unknown[]) {
        if (typeof state !== 'object' || state === null || (state as JsonObject).name !== name) continue
        const { type, transitions } = state as JsonObject
        const events = Array.isArray(transitions)
          ? (transitions as unknown[]).map(t => (t as JsonObject | null)?.event).filter((e): e is string => typeof e === 'string')
          : []
        const w = { flowSid: row.flowSid, type: typeof type === 'string' ? type : '', events: [...new Set(events)] }
        const key = JSON.stringify(w)
        if (!found.has(key)) found.set(key, w)
      }
    }
    return [...found.values()]
  }

  /** The accounts that have a flow with this SID (a flows folder loads its flows into every account). */
  function accountsWithFlow (sid: string): string[] {
    return s.owners.all(sid) as string[]
  }

  return { clearFlowCaches, findFlow, accountsWithFlow, widgetsNamed, createFlow, addRevision, setFlowOrigin, getRevision, listFlows, listRevisions, setTestUsers, deleteFlow }
}
