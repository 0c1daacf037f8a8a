// STUDIO_SID_SEED: two fresh runs of the same test (one that waits for the engine between its steps, so that the
// same things happen in the same order) get the same SIDs, whatever else reaches the server (health polls, request
// ids, reads); without it SIDs are random after 10 hex digits of the time, so that later ones sort after earlier ones;
// a restart on the same database never repeats a stored SID. With a seed (STUDIO_SEED) as well, two fresh starts have
// the same flows and give the same SIDs, and a reset brings the seeded state back.
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startEmulator } from '../support/properties.js'

const AUTH = 'Basic ' + Buffer.from('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').toString('base64')
const DEFINITION = JSON.stringify({
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', properties: {}, transitions: [{ event: 'incomingRequest', next: 'hello' }] },
    { name: 'hello', type: 'send-message', properties: { body: 'Hi' }, transitions: [{ event: 'sent' }, { event: 'failed' }] }
  ]
})

/** One run of a small test: a flow, two executions and their steps; `noise` extra requests in between. */
async function scenario (args: string[], noise: number): Promise<string[]> {
  const p = startEmulator(args)
  try {
    const base = await p.url()
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    for (let i = 0; i < noise; i++) await fetch(`${base}/healthz`)
    const flow = await post('/v2/Flows', { FriendlyName: 'f', Status: 'published', Definition: DEFINITION })
    const draft = await post('/v2/Flows', { FriendlyName: 'draft', Status: 'draft', Definition: DEFINITION })
    const sids: string[] = [flow.sid]
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < noise; j++) {
        await fetch(`${base}/v2/Flows`, { headers: { authorization: AUTH } })
        // A create the emulator refuses (a draft flow has no published revision: 404) uses up no SID.
        const refused = await fetch(`${base}/v2/Flows/${draft.sid as string}/Executions`, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams({ To: `+1555100${j}`, From: '+15559999' }) })
        assert.equal(refused.status, 404)
      }
      const e = await post(`/v2/Flows/${flow.sid as string}/Executions`, { To: `+1555000${i}`, From: '+15559999' })
      sids.push(e.sid)
      // The same steps in the same order: a test that waits for the engine gets the same SIDs each run.
      await fetch(`${base}/__emulator/idle`)
    }
    for (const e of sids.slice(1)) {
      const steps = await (await fetch(`${base}/v2/Flows/${flow.sid as string}/Executions/${e}/Steps`, { headers: { authorization: AUTH } })).json() as any
      sids.push(...steps.steps.map((s: any) => s.sid as string).reverse())
    }
    const outbox = await (await fetch(`${base}/__emulator/outbox`)).json() as any
    sids.push(...outbox.messages.map((m: any) => m.sid as string))
    return sids
  } finally {
    await p.kill()
  }
}

test('with STUDIO_SID_SEED two fresh runs get the same SIDs, whatever other traffic there is; without it they differ', async () => {
  const first = await scenario(['--db', ':memory:', '--sid-seed', 'demo'], 0)
  const second = await scenario(['--db', ':memory:', '--sid-seed', 'demo'], 3)
  assert.equal(first.length, 9, first.join(' '))
  assert.deepEqual(second, first)
  assert.match(first[0] as string, /^FW[0-9a-f]{32}$/)
  const otherSeed = await scenario(['--db', ':memory:', '--sid-seed', 'other'], 0)
  assert.notDeepEqual(otherSeed, first)
  const random = await scenario(['--db', ':memory:'], 0)
  assert.notDeepEqual(random, first)
})

test('a restart on the same database with the same seed continues with new SIDs (none repeats)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-sid-seed-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'studio.db')
  const first = await scenario(['--db', db, '--sid-seed', 'demo'], 0)
  const again = await scenario(['--db', db, '--sid-seed', 'demo'], 0)
  // The second run's flow, executions and steps (its outbox also lists the first run's messages, which are stored).
  const created = again.slice(0, 7)
  assert.deepEqual(created.filter(s => first.includes(s)), [])
  assert.equal(new Set(again).size, again.length, 'no SID twice')
})

test('without a seed, a SID is 10 hex digits of the time (ms, modulo 16^10) then 22 random ones: later SIDs sort after earlier ones', async () => {
  const p = startEmulator(['--db', ':memory:'])
  try {
    const base = await p.url()
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    const flow = await post('/v2/Flows', { FriendlyName: 'f', Status: 'published', Definition: DEFINITION })
    const sids: string[] = []
    for (let i = 0; i < 5; i++) {
      const before = Date.now() % 2 ** 40
      const e = await post(`/v2/Flows/${flow.sid as string}/Executions`, { To: `+1555000${i}`, From: '+15559999' })
      const after = Date.now() % 2 ** 40
      assert.match(e.sid, /^FN[0-9a-f]{32}$/)
      const stamp = parseInt((e.sid as string).slice(2, 12), 16)
      assert.ok(stamp >= before && stamp <= after, `${e.sid as string}: time digits ${stamp} not within ${before}…${after}`)
      sids.push(e.sid)
      await new Promise(resolve => setTimeout(resolve, 3))
    }
    assert.deepEqual([...sids].sort(), sids, 'created later, sorted later')
    assert.equal(new Set(sids.map(s => s.slice(12))).size, sids.length, 'the random digits differ')
  } finally {
    await p.kill()
  }
})

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'flows')

/** What a fresh start with the seed shows and does: its flows, a run's SIDs, and what a reset leaves. */
async function seededRun (seed: string, snapshotFlow: string): Promise<{ flows: string[], sids: string[], afterReset: { flows: string[], executions: string[] } }> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-seeded-run-'))
  const p = startEmulator(['--db', join(dir, 'studio.db'), '--seed', seed, '--sid-seed', 'demo'])
  try {
    const base = await p.url()
    const get = async (path: string) => await (await fetch(base + path, { headers: { authorization: AUTH } })).json() as any
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    const flowList = async () => (await get('/v2/Flows')).flows.map((f: any) => `${f.sid as string} ${f.friendly_name as string}`).sort() as string[]
    const flows = await flowList()
    const greeting = flows.find(f => f.endsWith(' greeting'))?.split(' ')[0] as string
    const sids: string[] = []
    for (const [i, flow] of [greeting, greeting, snapshotFlow].entries()) {
      const e = await post(`/v2/Flows/${flow}/Executions`, { To: `+1555000${i}`, From: '+15559999' })
      assert.match(String(e.sid), /^FN[0-9a-f]{32}$/, JSON.stringify(e))
      sids.push(e.sid)
      await fetch(`${base}/__emulator/idle`)
    }
    for (const [i, flow] of [greeting, greeting, snapshotFlow].entries()) {
      sids.push(...(await get(`/v2/Flows/${flow}/Executions/${sids[i] as string}/Steps`)).steps.map((s: any) => s.sid as string).reverse())
    }
    sids.push(...(await (await fetch(`${base}/__emulator/outbox`)).json() as any).messages.map((m: any) => m.sid as string))
    assert.equal((await fetch(`${base}/__emulator/reset`, { method: 'POST' })).status, 200)
    const executions: string[] = []
    for (const f of [greeting, snapshotFlow]) executions.push(...(await get(`/v2/Flows/${f}/Executions`)).executions.map((e: any) => `${f} ${e.sid as string}`))
    const afterReset = { flows: await flowList(), executions }
    return { flows, sids, afterReset }
  } finally {
    await p.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

test('with --seed (two flow files and a snapshot) and --sid-seed, two fresh starts have the same flows and give the same SIDs; a reset brings the seed back', async (t) => {
  const seed = mkdtempSync(join(tmpdir(), 'studio-seed-folder-'))
  t.after(() => rmSync(seed, { recursive: true, force: true }))
  for (const f of ['greeting.json', 'ask.json']) copyFileSync(join(FIXTURES, f), join(seed, f))
  // The snapshot: a flow and one execution of it, as GET /__emulator/snapshot writes them.
  const source = startEmulator(['--db', ':memory:'])
  let snapshotFlow: string
  let snapshotExecution: string
  try {
    const base = await source.url()
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    snapshotFlow = (await post('/v2/Flows', { FriendlyName: 'from the snapshot', Status: 'published', Definition: DEFINITION })).sid
    snapshotExecution = (await post(`/v2/Flows/${snapshotFlow}/Executions`, { To: '+15550001111', From: '+15559999' })).sid
    await fetch(`${base}/__emulator/idle`)
    writeFileSync(join(seed, 'state.json'), await (await fetch(`${base}/__emulator/snapshot`)).text())
  } finally {
    await source.kill()
  }

  const first = await seededRun(seed, snapshotFlow)
  const second = await seededRun(seed, snapshotFlow)
  assert.equal(first.flows.length, 3, first.flows.join('\n'))
  assert.deepEqual(first.flows.map(f => f.slice(f.indexOf(' ') + 1)).sort(), ['ask', 'from the snapshot', 'greeting'])
  assert.ok(first.flows.includes(`${snapshotFlow} from the snapshot`))
  // Three executions, their steps (two each) and four messages (one is the snapshot's).
  assert.equal(first.sids.length, 3 + 6 + 4, first.sids.join(' '))
  assert.equal(new Set(first.sids).size, first.sids.length, 'no SID twice')
  assert.deepEqual(second, first)
  // After the reset: the seeded flows, the snapshot's execution, nothing of the run.
  assert.deepEqual(first.afterReset, { flows: first.flows, executions: [`${snapshotFlow} ${snapshotExecution}`] })
})

test('a full reset starts the SID sequence again: the SIDs after it are those of a fresh start', async () => {
  const p = startEmulator(['--db', ':memory:', '--sid-seed', 'demo'])
  try {
    const base = await p.url()
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    const run = async (): Promise<string[]> => {
      const flow = await post('/v2/Flows', { FriendlyName: 'f', Status: 'published', Definition: DEFINITION })
      const e = await post(`/v2/Flows/${flow.sid as string}/Executions`, { To: '+15550001', From: '+15559999' })
      await fetch(`${base}/__emulator/idle`)
      return [flow.sid, e.sid]
    }
    const before = await run()
    assert.equal((await fetch(`${base}/__emulator/reset`, { method: 'POST' })).status, 200)
    assert.deepEqual(await run(), before)
  } finally {
    await p.kill()
  }
})

test('a snapshot made with the same seed, loaded at start or over the API, is continued after: no SID repeats, never a 500', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-sid-snapshot-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const source = startEmulator(['--db', ':memory:', '--sid-seed', 'demo'])
  let flow: string
  let stored: string
  let snapshot: string
  try {
    const base = await source.url()
    const post = async (path: string, fields: Record<string, string>) => await (await fetch(base + path, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams(fields) })).json() as any
    flow = (await post('/v2/Flows', { FriendlyName: 'f', Status: 'published', Definition: DEFINITION })).sid
    stored = (await post(`/v2/Flows/${flow}/Executions`, { To: '+15550001', From: '+15559999' })).sid
    await fetch(`${base}/__emulator/idle`)
    snapshot = await (await fetch(`${base}/__emulator/snapshot`)).text()
    writeFileSync(join(dir, 'state.json'), snapshot)
  } finally {
    await source.kill()
  }
  for (const args of [['--seed', join(dir, 'state.json')], []]) {
    const p = startEmulator(['--db', ':memory:', '--sid-seed', 'demo', ...args])
    try {
      const base = await p.url()
      if (args.length === 0) assert.equal((await fetch(`${base}/__emulator/snapshot`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: snapshot })).status, 200)
      const res = await fetch(`${base}/v2/Flows/${flow}/Executions`, { method: 'POST', headers: { authorization: AUTH }, body: new URLSearchParams({ To: '+15550002', From: '+15559999' }) })
      const body = await res.json() as any
      assert.equal(res.status, 201, JSON.stringify(body))
      assert.notEqual(body.sid, stored)
    } finally {
      await p.kill()
    }
  }
})
