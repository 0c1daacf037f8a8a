import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { cpSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, ACCOUNT_B, FLOW, OTHER_FLOW, buildTestApp, call, createExecution } from '../support/helper.js'
import { FIXTURES, greetingDefinition } from '../support/flows.js'

async function admin (app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, headers, ...(body !== undefined && { payload: body as object }) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
}

async function populate (app: FastifyInstance) {
  const flow = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'g', Status: 'published', Definition: JSON.stringify(greetingDefinition()) })).body.sid
  await call(app, 'POST', `/v2/Flows/${flow}`, { Status: 'draft', FriendlyName: 'g2' })
  await call(app, 'POST', `/v2/Flows/${flow}/TestUsers`, { TestUsers: ['+1999'] })
  const e1 = (await createExecution(app, { Parameters: '{"a":[1,{"b":null}]}' }, { version: 'v2', flow })).body.sid
  await call(app, 'POST', `/v2/Flows/${flow}/Executions/${e1}`, { Status: 'ended' })
  await createExecution(app, { To: '+1222' })
  await createExecution(app, { To: '+1333' }, { who: ACCOUNT_B, flow: OTHER_FLOW })
  return { flow, e1 }
}

test('POST /__emulator/reset removes all data; ?account= only that account\'s', async (t) => {
  const app = await buildTestApp(t)
  await populate(app)
  const one = await admin(app, 'POST', `/__emulator/reset?account=${ACCOUNT_A.sid}`)
  assert.equal(one.status, 200)
  assert.deepEqual(one.body, { reset: 'account', account_sid: ACCOUNT_A.sid })
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 0)
  assert.equal((await call(app, 'GET', `/v1/Flows/${OTHER_FLOW}/Executions`, undefined, ACCOUNT_B)).body.executions.length, 1)
  const all = await admin(app, 'POST', '/__emulator/reset')
  assert.deepEqual(all.body, { reset: 'all' })
  assert.equal((await call(app, 'GET', `/v1/Flows/${OTHER_FLOW}/Executions`, undefined, ACCOUNT_B)).body.executions.length, 0)
  assert.equal((await admin(app, 'POST', '/__emulator/reset?account=ACnope')).status, 400)
})

test('a reset keeps the flows of STUDIO_FLOWS_DIR', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-reset-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(fileURLToPath(FIXTURES), dir, { recursive: true })
  const app = await buildTestApp(t, { raw: { flowsDir: dir } })
  await populate(app)
  const seeded = 3 // the fixtures folder
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, seeded + 2)
  await admin(app, 'POST', '/__emulator/reset')
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, seeded)
  await admin(app, 'POST', `/__emulator/reset?account=${ACCOUNT_B.sid}`)
  assert.equal((await call(app, 'GET', '/v2/Flows', undefined, ACCOUNT_B)).body.flows.length, seeded)
})

test('a snapshot round trip is exact, and replaces whatever was there', async (t) => {
  const app = await buildTestApp(t)
  const { flow, e1 } = await populate(app)
  const exported = await admin(app, 'GET', '/__emulator/snapshot')
  assert.equal(exported.status, 200)
  assert.equal(exported.body.format, 'studio-emulator/snapshot')
  assert.ok(exported.body.tables.executions.length === 3)
  const apiBefore = {
    flow: (await call(app, 'GET', `/v2/Flows/${flow}`)).body,
    revisions: (await call(app, 'GET', `/v2/Flows/${flow}/Revisions`)).body,
    list: (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body,
    context: (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${e1}/Context`)).body,
    steps: (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${e1}/Steps`)).body
  }

  // Into a fresh emulator: the same state, the same API answers.
  const other = await buildTestApp(t)
  await createExecution(other, { To: '+1444' })
  const put = await admin(other, 'PUT', '/__emulator/snapshot', exported.body)
  assert.equal(put.status, 200)
  assert.deepEqual(put.body.imported.executions, 3)
  assert.deepEqual((await admin(other, 'GET', '/__emulator/snapshot')).body, exported.body)
  assert.deepEqual({
    flow: (await call(other, 'GET', `/v2/Flows/${flow}`)).body,
    revisions: (await call(other, 'GET', `/v2/Flows/${flow}/Revisions`)).body,
    list: (await call(other, 'GET', `/v2/Flows/${flow}/Executions`)).body,
    context: (await call(other, 'GET', `/v2/Flows/${flow}/Executions/${e1}/Context`)).body,
    steps: (await call(other, 'GET', `/v2/Flows/${flow}/Executions/${e1}/Steps`)).body
  }, apiBefore)
  // The active-contact rule and new writes work on imported data.
  assert.equal((await createExecution(other, { To: '+1222' })).status, 200)
  assert.equal((await call(other, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 1)
})

test('a bad snapshot is refused with 400 and changes nothing', async (t) => {
  const app = await buildTestApp(t)
  await populate(app)
  const before = (await admin(app, 'GET', '/__emulator/snapshot')).body
  const broken = structuredClone(before)
  broken.tables.executions.push({ ...broken.tables.executions[0] }) // duplicate id and sid
  const badSid = structuredClone(before)
  badSid.tables.executions[0].sid = 'FN"injected'
  const cases = [
    [],
    { format: 'other' },
    { ...before, schema_version: 999 },
    { ...before, tables: { nonsense: [] } },
    { ...before, tables: { flows: [{ id: 1, nope: 2 }] } },
    { ...before, tables: { flows: 'x' } },
    broken,
    badSid
  ]
  for (const doc of cases) {
    const res = await admin(app, 'PUT', '/__emulator/snapshot', doc)
    assert.equal(res.status, 400, JSON.stringify(doc).slice(0, 80))
    assert.equal(res.body.code, 20001)
    assert.match(res.body.message, /^Invalid snapshot/)
  }
  const notJson = await app.inject({ method: 'PUT', url: '/__emulator/snapshot', headers: { 'content-type': 'application/json' }, payload: '{oops' })
  assert.equal(notJson.statusCode, 400)
  assert.deepEqual((await admin(app, 'GET', '/__emulator/snapshot')).body, before)
})

test('STUDIO_ADMIN_TOKEN guards the control API with a bearer token', async (t) => {
  const app = await buildTestApp(t, { raw: { adminToken: 's3cret' } })
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic czNjcmV0' }] as Array<Record<string, string>>) {
    const res = await admin(app, 'GET', '/__emulator/requests', undefined, headers)
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 20003)
  }
  assert.equal((await admin(app, 'GET', '/__emulator/requests', undefined, { authorization: 'Bearer s3cret' })).status, 200)
  assert.equal((await admin(app, 'POST', '/__emulator/reset', undefined, { authorization: 'Bearer s3cret' })).status, 200)
  // Health checks stay open.
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
})
