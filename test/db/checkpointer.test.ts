// The WAL is checkpointed by a worker thread (src/db/checkpointer.ts), never inside the server's own commits.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { buildApp } from '../../src/app.js'
import { startCheckpointer } from '../../src/db/checkpointer.js'
import { openDatabase } from '../../src/db/open.js'
import { FLOW, createExecution, testConfig } from '../support/helper.js'

function tempDb (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-checkpoint-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, 'studio.db')
}

const size = (path: string): number => { try { return statSync(path).size } catch { return 0 } }

async function until (what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

test('the server\'s connection never checkpoints; the worker copies the WAL into the file once it passes the threshold', async (t) => {
  const path = tempDb(t)
  const db = openDatabase(path)
  t.after(() => { if (db.open) db.close() })
  db.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)')
  const before = size(path)
  const checkpointer = startCheckpointer(db, path, { thresholdBytes: 64 * 1024, intervalMs: 10 })
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0)
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)')
  for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000))
  // Nothing but the worker copies pages into the database file now.
  await until('a checkpoint by the worker', () => size(path) > before + 200 * 2000)
  await checkpointer.stop()
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000)
  assert.equal(db.prepare('SELECT count(*) FROM rows').pluck().get(), 200)
})

test('an in-memory database gets no worker and keeps its settings', async () => {
  const db = openDatabase(':memory:')
  const checkpointer = startCheckpointer(db, ':memory:')
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000)
  await checkpointer.stop()
  db.close()
})

test('executions created through the API reach the database file, and the app closes with its worker', async (t) => {
  const path = tempDb(t)
  const app = await buildApp({ config: testConfig({ db: path }) })
  let closed = false
  t.after(async () => { if (!closed) await app.close() })
  const before = size(path)
  const sids: string[] = []
  // Each Context holds its 3 KB parameter twice (flow.data and trigger.request.parameters).
  const Parameters = JSON.stringify({ note: 'x'.repeat(3000) })
  for (let round = 0; round < 30; round++) {
    const created = await Promise.all(Array.from({ length: 50 }, async (_, i) => await createExecution(app, { To: `+1555${String(round * 50 + i).padStart(7, '0')}`, Parameters }, { version: 'v2' })))
    for (const c of created) sids.push(c.body.sid)
  }
  // 1 500 executions with their 6 KB Contexts pass SQLite's 1000-page threshold: the worker has copied them in.
  await until('the WAL checkpointed into the file', () => size(path) > before + 4_000_000)
  closed = true
  await app.close()
  const db = openDatabase(path)
  t.after(() => db.close())
  assert.equal(db.prepare('SELECT count(*) FROM executions e JOIN flows f ON f.id = e.flow_id WHERE f.sid = ?').pluck().get(FLOW), sids.length)
})
