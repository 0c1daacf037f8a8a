import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { MigrationError, migrate, readMigrations, schemaVersion } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'

function tempDir (t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-migrate-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('migrations apply in order once, and record their versions', (t) => {
  const db = openDatabase(':memory:')
  t.after(() => db.close())
  const newest = readMigrations().at(-1)?.version
  assert.equal(migrate(db), newest)
  assert.equal(migrate(db), newest, 'a second run applies nothing')
  assert.equal(schemaVersion(db), newest)
  const rows = db.prepare('SELECT version FROM schema_version ORDER BY version').all() as Array<{ version: number }>
  assert.deepEqual(rows.map(r => r.version), readMigrations().map(m => m.version))
})

test('a failing migration rolls back whole and is not recorded', (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x INTEGER);')
  writeFileSync(join(dir, '0002_broken.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);')
  const db = openDatabase(':memory:')
  t.after(() => db.close())
  assert.throws(() => migrate(db, readMigrations(dir)), /no such table: nowhere/)
  assert.equal(schemaVersion(db), 1)
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get() as { n: number }).n, 0)
})

test('a database from a newer emulator is refused with both versions named', (t) => {
  const db = openDatabase(':memory:')
  t.after(() => db.close())
  migrate(db)
  db.prepare("INSERT INTO schema_version VALUES (999, 'future', 'x')").run()
  assert.throws(() => migrate(db), (err: Error) => err instanceof MigrationError && /999/.test(err.message) && /newer/.test(err.message))
})

test('gaps, duplicates and bad names in migrations/ are refused', (t) => {
  for (const [files, pattern] of [
    [['0001_a.sql', '0003_c.sql'], /without gaps/],
    [['0001_a.sql', '0001_b.sql'], /without gaps or duplicates/],
    [['1_a.sql'], /NNNN_snake_description/]
  ] as const) {
    const dir = tempDir(t)
    mkdirSync(dir, { recursive: true })
    for (const f of files) writeFileSync(join(dir, f), 'SELECT 1;')
    assert.throws(() => readMigrations(dir), pattern)
  }
})

test('a file database runs in WAL mode with foreign keys on', (t) => {
  const dir = tempDir(t)
  const db = openDatabase(join(dir, 'sub', 'x.db'))
  t.after(() => db.close())
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal')
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1)
})
