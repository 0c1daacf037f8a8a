// Whole-state export, import and reset for the control API: every row of every data table, as stored.
// Part of the data layer. An export imported again gives back exactly the same state (ids, order, dates).
import { MAX_JSON_DEPTH, jsonDepth } from '../twilio/json-parameter.js'
import { isSid, type SidPrefix } from '../twilio/sid.js'
import { schemaVersion } from './migrate.js'
import { writeTransaction, type DB } from './open.js'

/** Data tables in foreign-key order (parents first), with their columns that hold JSON text. */
const TABLES: ReadonlyArray<{ name: string, json: readonly string[] }> = [
  { name: 'flows', json: ['test_users'] },
  { name: 'flow_revisions', json: ['definition', 'errors', 'warnings'] },
  { name: 'executions', json: ['frame_context'] },
  { name: 'execution_contexts', json: ['context'] },
  { name: 'steps', json: ['context'] },
  { name: 'widget_outbox', json: ['detail'] },
  { name: 'inbound_messages', json: [] },
  { name: 'calls', json: ['twiml'] },
  // STUDIO_SID_SEED's runs: a snapshot's SIDs came from its runs, so a database that loads it continues after them
  // (never repeating them); a full reset empties it, so the SIDs after a reset are those of a fresh start.
  { name: 'sid_runs', json: [] }
]

/**
 * SID columns an import must hold real SIDs in: responses embed them in JSON without escaping
 * (src/resources/execution.ts), which is safe only because every SID matches its pattern.
 */
const SID_COLUMNS: Readonly<Record<string, Readonly<Record<string, SidPrefix>>>> = {
  flows: { account_sid: 'AC', sid: 'FW' },
  executions: { sid: 'FN' },
  steps: { sid: 'FT' },
  calls: { account_sid: 'AC', sid: 'CA', execution_sid: 'FN' }
}

export const SNAPSHOT_FORMAT = 'studio-emulator/snapshot'

export interface Snapshot {
  format: typeof SNAPSHOT_FORMAT
  schema_version: number
  tables: Record<string, Array<Record<string, unknown>>>
}

export class SnapshotError extends Error {}

export type SnapshotRepository = ReturnType<typeof createSnapshotRepository>

export function createSnapshotRepository (db: DB, extraTables: ReadonlyArray<{ name: string, json: readonly string[] }> = []) {
  const tables = [...TABLES, ...extraTables]
  const info = new Map(tables.map(t => [t.name, db.prepare(`PRAGMA table_info(${t.name})`).all() as Array<{ name: string, pk: number }>]))
  const columns = new Map([...info].map(([name, cols]) => [name, cols.map(c => c.name)]))
  // Rows in primary-key order, so that an export is stable and an import recreates the same order.
  const selectAll = new Map([...info].map(([name, cols]) => {
    const pk = cols.filter(c => c.pk > 0).sort((a, b) => a.pk - b.pk).map(c => c.name)
    return [name, db.prepare(`SELECT * FROM ${name} ORDER BY ${pk.length > 0 ? pk.join(', ') : 'rowid'}`)]
  }))
  const insert = new Map(tables.map(t => {
    const cols = columns.get(t.name) as string[]
    return [t.name, db.prepare(`INSERT INTO ${t.name} (${cols.join(', ')}) VALUES (${cols.map(c => `@${c}`).join(', ')})`)]
  }))
  const deleteFlows = db.prepare('DELETE FROM flows')
  const deleteAccountFlows = db.prepare('DELETE FROM flows WHERE account_sid = ?')
  const deleteOutbox = db.prepare('DELETE FROM widget_outbox')
  const deleteAccountOutbox = db.prepare('DELETE FROM widget_outbox WHERE account_sid = ?')
  const deleteInbound = db.prepare('DELETE FROM inbound_messages')
  const deleteAccountInbound = db.prepare('DELETE FROM inbound_messages WHERE account_sid = ?')
  const deleteCalls = db.prepare('DELETE FROM calls')
  const deleteSidRuns = db.prepare('DELETE FROM sid_runs')
  const deleteAccountCalls = db.prepare('DELETE FROM calls WHERE account_sid = ?')
  const deleteEvents = db.prepare('DELETE FROM event_outbox')
  const deleteAccountEvents = db.prepare('DELETE FROM event_outbox WHERE account_sid = ?')

  function exportSnapshot (): Snapshot {
    const out: Snapshot['tables'] = {}
    for (const t of tables) {
      out[t.name] = (selectAll.get(t.name)?.all() as Array<Record<string, unknown>>).map(row => {
        for (const c of t.json) if (typeof row[c] === 'string') row[c] = JSON.parse(row[c])
        return row
      })
    }
    return { format: SNAPSHOT_FORMAT, schema_version: schemaVersion(db), tables: out }
  }

  /**
   * Deletes every flow (and, through foreign keys, every revision, execution, context and step), all events, and
   * the count of STUDIO_SID_SEED's runs (the next start of the sequence is that of a fresh database).
   */
  const deleteAllData = writeTransaction(db, (): void => {
    deleteFlows.run()
    deleteEvents.run()
    deleteOutbox.run()
    deleteInbound.run()
    deleteCalls.run()
    deleteSidRuns.run()
  })

  /** Deletes one account's flows and everything under them, and its events. */
  const deleteAccountData = writeTransaction(db, (accountSid: string): void => {
    deleteAccountFlows.run(accountSid)
    deleteAccountEvents.run(accountSid)
    deleteAccountOutbox.run(accountSid)
    deleteAccountInbound.run(accountSid)
    deleteAccountCalls.run(accountSid)
  })

  /** Replaces all data with a snapshot, in one transaction: a bad snapshot changes nothing. */
  const importSnapshot = writeTransaction(db, (doc: unknown): void => {
    const snapshot = checkShape(doc)
    deleteAllData()
    for (const t of tables) {
      const cols = columns.get(t.name) as string[]
      const rows = snapshot.tables[t.name] ?? []
      rows.forEach((row, i) => {
        if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new SnapshotError(`tables.${t.name}[${i}] is not an object`)
        const unknown = Object.keys(row).filter(k => !cols.includes(k))
        if (unknown.length > 0) throw new SnapshotError(`tables.${t.name}[${i}] has unknown columns: ${unknown.join(', ')}`)
        for (const [column, prefix] of Object.entries(SID_COLUMNS[t.name] ?? {})) {
          if (!isSid(prefix, row[column])) throw new SnapshotError(`tables.${t.name}[${i}].${column} is not a ${prefix} SID`)
        }
        const values: Record<string, unknown> = {}
        for (const c of cols) {
          const v = row[c] ?? null
          if (t.json.includes(c) && v !== null && jsonDepth(v) > MAX_JSON_DEPTH) throw new SnapshotError(`tables.${t.name}[${i}].${c} nests deeper than ${MAX_JSON_DEPTH}`)
          values[c] = t.json.includes(c) && v !== null ? JSON.stringify(v) : typeof v === 'boolean' ? Number(v) : v
          if (values[c] !== null && typeof values[c] === 'object') throw new SnapshotError(`tables.${t.name}[${i}].${c} must be a scalar`)
        }
        try {
          insert.get(t.name)?.run(values)
        } catch (err) {
          throw new SnapshotError(`tables.${t.name}[${i}]: ${(err as Error).message}`)
        }
      })
    }
  })

  function checkShape (doc: unknown): Snapshot {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new SnapshotError('a snapshot is a JSON object')
    const d = doc as Partial<Snapshot>
    if (d.format !== SNAPSHOT_FORMAT) throw new SnapshotError(`format must be "${SNAPSHOT_FORMAT}"`)
    const current = schemaVersion(db)
    if (d.schema_version !== current) throw new SnapshotError(`schema_version ${String(d.schema_version)} does not match this emulator's ${current}`)
    if (d.tables === null || typeof d.tables !== 'object' || Array.isArray(d.tables)) throw new SnapshotError('tables must be an object')
    const unknown = Object.keys(d.tables).filter(k => !tables.some(t => t.name === k))
    if (unknown.length > 0) throw new SnapshotError(`unknown tables: ${unknown.join(', ')}`)
    for (const [name, rows] of Object.entries(d.tables)) if (!Array.isArray(rows)) throw new SnapshotError(`tables.${name} must be an array`)
    return d as Snapshot
  }

  const anyFlow = db.prepare('SELECT EXISTS (SELECT 1 FROM flows)').pluck()
  /** Whether the database holds any flow (and so anything of an account's data): a seed goes only into an empty one. */
  const hasData = (): boolean => anyFlow.get() === 1

  return { exportSnapshot, importSnapshot, deleteAllData, deleteAccountData, hasData }
}
