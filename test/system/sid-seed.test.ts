// STUDIO_SID_SEED: two fresh runs of the same test (one that waits for the engine between its steps, so that the
// same things happen in the same order) get the same SIDs, whatever else reaches the server (health polls, request
// ids, reads); without it SIDs are random after 10 hex digits of the time, so that later ones sort after earlier ones;
// a restart on the same database never repeats a stored SID.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
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
    const sids: string[] = [flow.sid]
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < noise; j++) await fetch(`${base}/v2/Flows`, { headers: { authorization: AUTH } })
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
