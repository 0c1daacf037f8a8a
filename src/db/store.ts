// The data layer: the repositories (the only code with SQL), opened over one database. accountSid comes first in
// every repository method and reaches every WHERE clause, so one account can never read or change another's rows.
import { createCallRepository } from './calls.js'
import { createEmulatorClockRepository } from './emulator-clock.js'
import { createExecutionRepository } from './executions.js'
import { createFlowRepository } from './flows.js'
import { createInspectorRepository } from './inspector.js'
import { createMessageOutboxRepository } from './message-outbox.js'
import { readMigrations, schemaVersion } from './migrate.js'
import { writeTransaction, type DB } from './open.js'
import { createEventOutboxRepository } from './event-outbox.js'
import { createReadCache } from './read-cache.js'
import { createRunStateRepository } from './run-state.js'
import { createSnapshotRepository } from './snapshot.js'

export type Store = ReturnType<typeof createStore>

export function createStore (db: DB) {
  const newestMigration = readMigrations().at(-1)?.version ?? 0

  /** Readiness: the database answers, accepts a write (rolled back), and has every migration applied. */
  function readiness (): { ready: boolean, schema_version: number | null, expected_schema_version: number, reason?: string } {
    let version: number | null = null
    try {
      version = schemaVersion(db)
      db.exec('SAVEPOINT readiness_probe')
      try {
        db.prepare('UPDATE schema_version SET name = name WHERE version = (SELECT max(version) FROM schema_version)').run()
      } finally {
        db.exec('ROLLBACK TO readiness_probe; RELEASE readiness_probe')
      }
    } catch (err) {
      return { ready: false, schema_version: version, expected_schema_version: newestMigration, reason: (err as Error).message }
    }
    if (version !== newestMigration) return { ready: false, schema_version: version, expected_schema_version: newestMigration, reason: 'migrations are not applied' }
    return { ready: true, schema_version: version, expected_schema_version: newestMigration }
  }

  // One wrapper for every transaction: better-sqlite3 builds a wrapper per db.transaction() call.
  const run = writeTransaction(db, (fn: () => unknown) => fn())
  /** Runs `fn` in one transaction (nested calls become savepoints): all of its writes land, or none. */
  function transaction<T> (fn: () => T): T {
    return run(fn) as T
  }

  // Reads of one snapshot: in WAL mode every statement outside a transaction takes and drops the read lock itself
  // (two system calls); reads made together share one.
  const reading = db.transaction((fn: () => unknown) => fn())
  /** Runs the reads in `fn` in one read transaction (one consistent snapshot, one read lock). */
  function read<T> (fn: () => T): T {
    return reading.deferred(fn) as T
  }

  const flows = createFlowRepository(db)
  const snapshots = createSnapshotRepository(db)
  const reads = createReadCache(db)
  /** After a whole-state write: the caches built from the old state go (their own checks would see it too). */
  const clearCaches = () => { flows.clearFlowCaches(); reads.clear() }

  return {
    readiness,
    transaction,
    read,
    ...flows,
    ...createExecutionRepository(db),
    ...createEventOutboxRepository(db),
    ...createMessageOutboxRepository(db),
    ...createRunStateRepository(db),
    ...createCallRepository(db),
    ...createEmulatorClockRepository(db),
    ...createInspectorRepository(db),
    /** A response text built from reads only, kept while the database is unchanged (src/db/read-cache.ts). */
    cachedRead: reads.read,
    /** Lets go of what the store holds besides the connection (before the database is closed). */
    close: reads.close,
    // Whole-state writes replace flows behind the flow cache's back: clear it with them.
    exportSnapshot: snapshots.exportSnapshot,
    hasData: snapshots.hasData,
    importSnapshot: (doc: unknown) => { try { snapshots.importSnapshot(doc) } finally { clearCaches() } },
    deleteAllData: () => { try { snapshots.deleteAllData() } finally { clearCaches() } },
    deleteAccountData: (accountSid: string) => { try { snapshots.deleteAccountData(accountSid) } finally { clearCaches() } }
  }
}
