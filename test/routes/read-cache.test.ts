// Fetch and list answers are kept while the database is unchanged (src/db/read-cache.ts): every change, made by this
// process or by another one on the same file, shows on the very next read.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { ACCOUNT_A, ACCOUNT_B, FLOW, buildTestApp, call, createExecution, testConfig } from '../support/helper.js'

const list = (v: 'v1' | 'v2' = 'v2') => `/${v}/Flows/${FLOW}/Executions`

test('a fetch and a list read again after a change made through the API show the change', async (t) => {
  const app = await buildTestApp(t)
  const a = (await createExecution(app, { To: '+15550000001' }, { version: 'v2' })).body
  const item = `${list()}/${a.sid}`
  assert.equal((await call(app, 'GET', item)).body.status, 'active')
  assert.equal((await call(app, 'GET', item)).body.status, 'active')
  assert.equal((await call(app, 'GET', list())).body.executions.length, 1)
  await call(app, 'POST', item, { Status: 'ended' })
  assert.equal((await call(app, 'GET', item)).body.status, 'ended')
  assert.equal((await call(app, 'GET', list())).body.executions[0].status, 'ended')
  const b = (await createExecution(app, { To: '+15550000002' }, { version: 'v2' })).body
  assert.deepEqual((await call(app, 'GET', list())).body.executions.map((e: { sid: string }) => e.sid), [b.sid, a.sid])
  assert.equal((await call(app, 'DELETE', item)).status, 204)
  assert.equal((await call(app, 'GET', item)).status, 404)
  assert.deepEqual((await call(app, 'GET', list())).body.executions.map((e: { sid: string }) => e.sid), [b.sid])
})

test('an answer kept for one account, host or API version is never given for another', async (t) => {
  const app = await buildTestApp(t)
  const a = (await createExecution(app, {}, { version: 'v2' })).body
  assert.equal((await call(app, 'GET', `${list()}/${a.sid}`)).status, 200)
  assert.equal((await call(app, 'GET', `${list()}/${a.sid}`, undefined, ACCOUNT_B)).status, 404)
  const v1 = (await call(app, 'GET', `${list('v1')}/${a.sid}`)).body
  assert.equal(new URL(v1.url).pathname, `/v1/Flows/${FLOW}/Executions/${a.sid}`)
  const other = await app.inject({ method: 'GET', url: `${list()}/${a.sid}`, headers: { host: 'elsewhere.test:4010', authorization: `Basic ${Buffer.from(`${ACCOUNT_A.sid}:${ACCOUNT_A.authToken}`).toString('base64')}` } })
  assert.equal(other.json().url, `http://elsewhere.test:4010/v2/Flows/${FLOW}/Executions/${a.sid}`)
})

test('a change committed by another process on the same file shows on the next fetch and list', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-read-cache-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  const one = await buildApp({ config })
  const two = await buildApp({ config })
  t.after(async () => { await one.close(); await two.close() })
  const a = (await createExecution(one, { To: '+15550000001' }, { version: 'v2' })).body
  const item = `${list()}/${a.sid}`
  assert.equal((await call(one, 'GET', item)).body.status, 'active')
  assert.equal((await call(one, 'GET', list())).body.executions.length, 1)
  await call(two, 'POST', item, { Status: 'ended' })
  const b = (await createExecution(two, { To: '+15550000002' }, { version: 'v2' })).body
  assert.equal((await call(one, 'GET', item)).body.status, 'ended')
  assert.deepEqual((await call(one, 'GET', list())).body.executions.map((e: { sid: string }) => e.sid), [b.sid, a.sid])
})

test('the inspector\'s executions view, kept while nothing changes, shows a new execution on the next load', async (t) => {
  const app = await buildTestApp(t)
  const page = async () => (await app.inject({ method: 'GET', url: '/__emulator/ui/', headers: { accept: 'text/html' } })).body
  const a = (await createExecution(app, { To: '+15550000001' }, { version: 'v2' })).body
  assert.ok((await page()).includes(a.sid))
  assert.equal(await page(), await page())
  const b = (await createExecution(app, { To: '+15550000002' }, { version: 'v2' })).body
  const after = await page()
  assert.ok(after.includes(a.sid) && after.includes(b.sid))
  await call(app, 'DELETE', `${list()}/${a.sid}`)
  assert.ok(!(await page()).includes(a.sid))
})

test('one execution\'s inspector page, kept while nothing changes, shows the execution ended on the next load', async (t) => {
  const app = await buildTestApp(t)
  const a = (await createExecution(app, { To: '+15550000001' }, { version: 'v2' })).body
  const page = async () => (await app.inject({ method: 'GET', url: `/__emulator/ui/executions/${a.sid}`, headers: { accept: 'text/html' } })).body
  const before = await page()
  assert.ok(before.includes(a.sid))
  assert.equal(await page(), before)
  await call(app, 'POST', `${list()}/${a.sid}`, { Status: 'ended' })
  const after = await page()
  assert.notEqual(after, before)
  assert.match(after, /ended/i)
})
