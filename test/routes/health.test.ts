import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { buildApp } from '../../src/app.js'
import { migrate } from '../../src/db/migrate.js'
import { buildTestApp, testConfig } from '../support/helper.js'

test('/healthz and /readyz answer 200 JSON without credentials', async (t) => {
  const app = await buildTestApp(t)
  const health = await app.inject({ method: 'GET', url: '/healthz' })
  assert.equal(health.statusCode, 200)
  assert.deepEqual(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(ready.statusCode, 200)
  assert.equal(ready.json().status, 'ready')
  assert.equal(ready.json().schema_version, ready.json().expected_schema_version)
})

test('/readyz answers 503 when the database cannot be written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-ready-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'studio.db')
  const writable = new Database(file)
  migrate(writable)
  writable.close()
  const readonly = new Database(file, { readonly: true })
  const app = await buildApp({ config: testConfig({ db: file }), db: readonly })
  t.after(async () => { await app.close(); readonly.close() })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(res.statusCode, 503)
  assert.equal(res.json().status, 'unavailable')
  assert.match(res.json().reason, /readonly/i)
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

test('/readyz answers 503 when the schema is not at this emulator\'s version', async (t) => {
  const db = new Database(':memory:')
  migrate(db)
  db.exec('DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)')
  const app = await buildApp({ config: testConfig(), db })
  t.after(async () => { await app.close(); db.close() })
  const res = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(res.statusCode, 503)
  assert.match(res.json().reason, /migrations/)
})
