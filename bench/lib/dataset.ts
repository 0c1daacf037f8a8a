// The benchmark's database: N executions bulk-loaded into one flow of the default account, cached in the OS temp
// folder and reused while the row spec, the loader and the migrations are unchanged and it is under a week old.
// The executions end at the time of the load: Studio (and the emulator's engine) ends active executions 30 days
// after they start, so older data would be expired under the benchmark's feet. Each run works on a copy, so the
// creates it makes never reach the cache.
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BULK_LOAD_VERSION, bulkLoadExecutions, countExecutions } from './bulk-load.js'
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'

export const CACHE_DIR = join(tmpdir(), 'studio-emulator-bench')

export interface DatasetSpec {
  accountSid: string
  flowSid: string
  count: number
  /** Milliseconds between consecutive executions. */
  stepMs: number
}

/** A cache older than this is rebuilt, so that its newest executions stay well inside Studio's 30 days. */
const MAX_AGE_MS = 7 * 24 * 3600_000

export interface Dataset {
  spec: DatasetSpec
  /** date_created of the oldest execution (the newest is startMs + (count - 1) × stepMs). */
  startMs: number
  /** The cached, never-served database. */
  path: string
  reused: boolean
  /** Time the bulk load took (when it was built, possibly by an earlier run). */
  loadMs: number
  /** Database file (+ -wal) bytes divided by the executions it holds. */
  bytesPerExecution: number
  bytes: number
}

const dbFiles = (path: string) => [path, `${path}-wal`, `${path}-shm`]

function sizeOf (path: string): number {
  return [path, `${path}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0)
}

/** Returns the cached database for `spec`, building it first when it is missing or stale. */
export function prepareDataset (spec: DatasetSpec, log: (line: string) => void): Dataset {
  mkdirSync(CACHE_DIR, { recursive: true })
  const migrations = readMigrations().map(m => `${m.version}:${m.sql}`).join('\n')
  const key = createHash('sha256').update(JSON.stringify({ spec, BULK_LOAD_VERSION, migrations, MIGRATIONS_DIR })).digest('hex').slice(0, 12)
  const prefix = `executions-${spec.count}-`
  const path = join(CACHE_DIR, `${prefix}${key}.db`)
  const metaPath = `${path}.json`
  // Older caches of the same size are stale: remove them so the temp folder holds one copy per size.
  for (const name of readdirSync(CACHE_DIR)) {
    if (name.startsWith(prefix) && !name.startsWith(`${prefix}${key}.db`)) rmSync(join(CACHE_DIR, name), { force: true })
  }

  if (existsSync(path) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as { loadMs: number, startMs: number, builtAtMs: number }
    const db = openDatabase(path)
    try {
      if (Date.now() - meta.builtAtMs < MAX_AGE_MS && countExecutions(db, spec.accountSid, spec.flowSid) === spec.count) {
        db.close()
        const bytes = sizeOf(path)
        log(`dataset: reusing ${path} (${spec.count} executions, loaded in ${(meta.loadMs / 1000).toFixed(1)} s)`)
        return { spec, startMs: meta.startMs, path, reused: true, loadMs: meta.loadMs, bytes, bytesPerExecution: bytes / spec.count }
      }
    } finally {
      if (db.open) db.close()
    }
    log(`dataset: ${path} is too old or does not match, rebuilding`)
  }

  const loading = `${path}.loading`
  for (const f of [...dbFiles(path), ...dbFiles(loading), metaPath]) rmSync(f, { force: true })
  log(`dataset: loading ${spec.count} executions into ${loading}`)
  const builtAtMs = Date.now()
  const startMs = Math.floor(builtAtMs / 60_000) * 60_000 - (spec.count - 1) * spec.stepMs
  const db = openDatabase(loading)
  let loadMs: number
  try {
    migrate(db)
    const t0 = performance.now()
    let reported = 0
    bulkLoadExecutions(db, {
      ...spec,
      startMs,
      onProgress: (n) => {
        if (n - reported >= 100_000 || n === spec.count) {
          reported = n
          log(`  ${n} / ${spec.count} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
        }
      }
    })
    loadMs = performance.now() - t0
  } finally {
    db.close()
  }
  renameSync(loading, path)
  writeFileSync(metaPath, JSON.stringify({ spec, startMs, loadMs, builtAtMs }, null, 2))
  const bytes = sizeOf(path)
  log(`dataset: loaded in ${(loadMs / 1000).toFixed(1)} s, ${(bytes / 1e6).toFixed(0)} MB`)
  return { spec, startMs, path, reused: false, loadMs, bytes, bytesPerExecution: bytes / spec.count }
}

/** A working copy of the cached database for one run; `remove` deletes it with its -wal and -shm. */
export function workingCopy (dataset: Dataset, dir: string): { path: string, remove: () => void } {
  const path = join(dir, 'studio.db')
  copyFileSync(dataset.path, path)
  return { path, remove: () => { for (const f of dbFiles(path)) rmSync(f, { force: true }) } }
}
