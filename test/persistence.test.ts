import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { buildApp } from '../src/app.js'
import { FLOW, call, createExecution, testConfig } from './support/helper.js'

test('executions survive a restart on the same database file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-emulator-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'nested', 'studio.db') })

  const first = await buildApp({ config })
  const sids: string[] = []
  for (let i = 0; i < 30; i++) sids.push((await createExecution(first, { To: `+1555000${i}`, Parameters: `{"i":${i}}` })).body.sid)
  await call(first, 'POST', `/v1/Flows/${FLOW}/Executions/${sids[0]}`, { Status: 'ended' })
  await call(first, 'DELETE', `/v1/Flows/${FLOW}/Executions/${sids[1]}`)
  const before = (await call(first, 'GET', `/v1/Flows/${FLOW}/Executions?PageSize=100`)).body.executions
  await first.close()

  const second = await buildApp({ config })
  t.after(async () => { await second.close() })
  const after = (await call(second, 'GET', `/v1/Flows/${FLOW}/Executions?PageSize=100`)).body.executions
  assert.equal(after.length, 29)
  assert.deepEqual(after, before)
  assert.equal(after.find((e: any) => e.sid === sids[0]).status, 'ended')
  const ctx = await call(second, 'GET', `/v1/Flows/${FLOW}/Executions/${sids[29]}/Context`)
  assert.deepEqual(ctx.body.context.flow.data, { i: 29 })
  // The v1 active-contact rule still applies to what was stored before the restart.
  const again = await createExecution(second, { To: '+155500029', Parameters: '{"i":99}' })
  assert.equal(again.body.sid, sids[29])
})

test(':memory: keeps data for the life of the app only', async (t) => {
  const config = testConfig({ db: ':memory:' })
  const first = await buildApp({ config })
  await createExecution(first)
  assert.equal((await call(first, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 1)
  await first.close()
  const second = await buildApp({ config })
  t.after(async () => { await second.close() })
  assert.equal((await call(second, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 0)
})

test('the emulator clock keeps where tests moved it across a restart (offset, or frozen time)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-emulator-clock-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  const first = await buildApp({ config })
  assert.equal((await first.inject({ method: 'POST', url: '/__emulator/clock', payload: { advance_ms: 86_400_000 } })).statusCode, 200)
  await first.close()
  const second = await buildApp({ config })
  const moved = (await second.inject({ method: 'GET', url: '/__emulator/clock' })).json()
  assert.ok(Math.abs(moved.offset_ms - 86_400_000) < 5_000, JSON.stringify(moved))
  assert.equal((await second.inject({ method: 'POST', url: '/__emulator/clock', payload: { set: '2030-01-01T00:00:00Z', freeze: true } })).statusCode, 200)
  await second.close()
  const third = await buildApp({ config })
  t.after(async () => { await third.close() })
  const frozen = (await third.inject({ method: 'GET', url: '/__emulator/clock' })).json()
  assert.deepEqual([frozen.now, frozen.frozen], ['2030-01-01T00:00:00.000Z', true])
  assert.equal((await third.inject({ method: 'POST', url: '/__emulator/clock', payload: { reset: true } })).statusCode, 200)
  assert.equal((await third.inject({ method: 'GET', url: '/__emulator/clock' })).json().offset_ms, 0)
})
