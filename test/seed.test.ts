// STUDIO_SEED: a folder (or file) of flow files and an optional snapshot, loaded into an empty database at start and
// by every reset, so that a test suite or a demo starts from a known state; a database that has data is left alone.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { FlowFileError, derivedFlowSid } from '../src/studio/flows.js'
import { buildTestApp, call, createExecution, testConfig } from './support/helper.js'
import { FIXTURES } from './support/flows.js'

const OLD_FLOW = 'FW' + 'd'.repeat(32)

/** A seed folder: the fixture flows, and a snapshot with one flow and one execution taken from a running emulator. */
async function seedFolder (t: TestContext): Promise<{ dir: string, execution: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-seed-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(fileURLToPath(FIXTURES), dir, { recursive: true })
  const source = await buildTestApp(t)
  const execution = (await createExecution(source, { To: '+15550007777' }, { flow: OLD_FLOW })).body.sid as string
  writeFileSync(join(dir, 'state.json'), (await source.inject({ method: 'GET', url: '/__emulator/snapshot' })).body)
  return { dir, execution }
}

const flowSids = async (app: Parameters<typeof call>[0]) => (await call(app, 'GET', '/v2/Flows')).body.flows.map((f: any) => f.sid).sort()

test('a seed folder loads its snapshot and flows into an empty database, and every reset loads them again', async (t) => {
  const { dir, execution } = await seedFolder(t)
  const app = await buildTestApp(t, { raw: { seed: dir } })
  const expected = [OLD_FLOW, derivedFlowSid('greeting.json'), derivedFlowSid('ask.json'), 'FW00000000000000000000000000000e0d'].sort()
  assert.deepEqual(await flowSids(app), expected)
  assert.equal((await call(app, 'GET', `/v1/Flows/${OLD_FLOW}/Executions/${execution}`)).status, 200, 'the execution of the snapshot')
  // Work done since, then a reset: the seed's state again.
  await createExecution(app, { To: '+15550008888' }, { flow: OLD_FLOW })
  await call(app, 'DELETE', `/v2/Flows/${derivedFlowSid('greeting.json')}`)
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/reset' })).statusCode, 200)
  assert.deepEqual(await flowSids(app), expected)
  assert.deepEqual((await call(app, 'GET', `/v1/Flows/${OLD_FLOW}/Executions`)).body.executions.map((e: any) => e.sid), [execution])
})

test('a database that has data is not seeded again at start', async (t) => {
  const { dir, execution } = await seedFolder(t)
  const dbDir = mkdtempSync(join(tmpdir(), 'studio-seed-db-'))
  t.after(() => rmSync(dbDir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dbDir, 'studio.db'), seed: dir })
  const first = await buildApp({ config })
  const added = (await createExecution(first, { To: '+15550009999' }, { flow: OLD_FLOW })).body.sid
  await first.close()
  const second = await buildApp({ config })
  t.after(async () => { await second.close() })
  const sids = (await call(second, 'GET', `/v1/Flows/${OLD_FLOW}/Executions`)).body.executions.map((e: any) => e.sid)
  assert.deepEqual(sids.sort(), [execution, added].sort(), 'kept as it was, nothing imported over it')
})

test('a seed file may be one snapshot or one flow file; a bad seed stops start-up naming it', async (t) => {
  const { dir } = await seedFolder(t)
  const fromSnapshot = await buildTestApp(t, { raw: { seed: join(dir, 'state.json') } })
  assert.deepEqual(await flowSids(fromSnapshot), [OLD_FLOW])
  const fromFlow = await buildTestApp(t, { raw: { seed: join(dir, 'ask.json') } })
  assert.deepEqual(await flowSids(fromFlow), [derivedFlowSid('ask.json')])
  writeFileSync(join(dir, 'broken.json'), '{nope')
  await assert.rejects(buildApp({ config: testConfig({ seed: dir }) }), (err: Error) => err instanceof FlowFileError && err.message.includes('broken.json'))
  await assert.rejects(buildApp({ config: testConfig({ seed: join(dir, 'missing') }) }), FlowFileError)
})
