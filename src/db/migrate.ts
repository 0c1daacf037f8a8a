// Applies migrations/NNNN_name.sql in order, each with its schema_version row in one transaction.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DB } from './open.js'

/** The package's migrations/ folder: beside src/ (run from source) or dist/ (the bundle), so the nearest one up. */
function findMigrations (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'migrations')
    if (existsSync(join(candidate, '0001_flows_executions_steps.sql'))) return candidate + '/'
    const up = dirname(dir)
    if (up === dir) throw new Error(`no migrations/ folder above ${fileURLToPath(import.meta.url)}`)
    dir = up
  }
}

export const MIGRATIONS_DIR = findMigrations()

export interface Migration {
  version: number
  name: string
  sql: string
}

export class MigrationError extends Error {}

export function readMigrations (dir: string = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = []
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file)
    if (m === null) throw new MigrationError(`migration file "${file}" is not named NNNN_snake_description.sql`)
    migrations.push({ version: Number(m[1]), name: m[2] as string, sql: readFileSync(`${dir}/${file}`, 'utf8') })
  }
  migrations.sort((a, b) => a.version - b.version)
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MigrationError(`migrations must be numbered 0001, 0002, … without gaps or duplicates; found ${String(m.version).padStart(4, '0')}_${m.name} at position ${i + 1}`)
  })
  return migrations
}

/** Brings the database up to the newest migration. Returns the schema version it ends at. */
export function migrate (db: DB, migrations: Migration[] = readMigrations()): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
  )`)
  const current = (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0
  const newest = migrations.at(-1)?.version ?? 0
  if (current > newest) {
    throw new MigrationError(`the database is at schema version ${current}, newer than this emulator's ${newest}: use a newer emulator or another STUDIO_DB`)
  }
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)')
  const applied = db.prepare('SELECT 1 FROM schema_version WHERE version = ?')
  for (const m of migrations) {
    if (m.version <= current) continue
    // BEGIN IMMEDIATE, then look again: another process starting on the same file may have applied it meanwhile.
    db.transaction(() => {
      if (applied.get(m.version) !== undefined) return
      db.exec(m.sql)
      record.run(m.version, m.name, new Date().toISOString())
    }).immediate()
  }
  return Math.max(current, newest)
}

export function schemaVersion (db: DB): number {
  return (db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0
}
