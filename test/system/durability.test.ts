// Crash durability: the emulator runs as a child process on a database file, takes hundreds of concurrent creates
// and ends, and is killed with SIGKILL mid-flight; restarted on the same file, it still has every write it
// acknowledged, exactly once and as acknowledged, nothing half-written, and SQLite finds the file intact.
// DURABILITY_ROUNDS sets the number of kill points (default 3), DURABILITY_SEED replays their choice.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import Database from 'better-sqlite3'
import { FLOW, form } from '../support/helper.js'
import { fixture } from '../support/flows.js'
import { basic, startEmulator } from '../support/properties.js'

const ROUNDS = Number(process.env.DURABILITY_ROUNDS ?? 3)
const SEED = Number(process.env.DURABILITY_SEED ?? Date.now() % 1_000_000)
/** Requests fired at once in each round: creates, and an end after half of the acknowledged creates. */
const CREATES = 240
/**
 * Acknowledgements each round must have before its kill, so that a round where the writes fail (bad auth, an
 * unknown flow, a broken route) cannot pass by having nothing to lose. Every create and every end succeeds
 * against a working server (240 creates, 120 ends on fresh executions), and the kill waits for these counts, so a
 * working server always reaches them; at 50 creates about 190 more are still in flight, so the kill still lands
 * mid-load. Ends start only once their create is acknowledged: 10 is enough to show they are being written.
 */
const MIN_CREATES = 50
const MIN_ENDS = 10

const AUTH = basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

/** mulberry32: a small seeded generator, so that a failing round's kill point can be replayed. */
function random (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), a | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

interface Acknowledged {
  sid: string
  flow: string
  version: 'v1' | 'v2'
  to: string
  parameters: Record<string, unknown>
  dateCreated: string
  /** An end was acknowledged (200): the execution must be ended. */
  ended: boolean
}

async function call (base: string, method: 'GET' | 'POST', path: string, fields?: Record<string, string>): Promise<{ status: number, body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: AUTH, ...(fields !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) },
    ...(fields !== undefined && { body: form(fields) }),
    signal: AbortSignal.timeout(20_000)
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

/** Every execution of a flow, following next_page_url. */
async function listAll (base: string, flow: string): Promise<Array<{ sid: string, status: string }>> {
  const all: Array<{ sid: string, status: string }> = []
  let path: string | null = `/v1/Flows/${flow}/Executions?PageSize=1000`
  for (let page = 0; path !== null; page++) {
    assert.ok(page < 100, 'paging ends')
    const res = await call(base, 'GET', path)
    assert.equal(res.status, 200)
    all.push(...res.body.executions)
    path = res.body.meta.next_page_url === null ? null : String(res.body.meta.next_page_url).replace(/^https?:\/\/[^/]+/, '')
  }
  return all
}

/** Runs `jobs` with at most `limit` in flight. */
async function pool<T> (items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item)
  }))
}

/** After a restart: each acknowledged write is there exactly once, as acknowledged; every listed run is whole. */
async function verify (base: string, flows: string[], acked: Map<string, Acknowledged>): Promise<{ listed: number }> {
  // The engine picks up executions a crash left mid-step; let it settle first.
  assert.equal((await fetch(`${base}/__emulator/idle?timeout_ms=20000`)).status, 200)
  const listed = new Map<string, string>()
  for (const flow of flows) {
    const items = await listAll(base, flow)
    for (const item of items) {
      assert.ok(!listed.has(item.sid), `${item.sid} listed twice`)
      listed.set(item.sid, flow)
    }
  }
  for (const a of acked.values()) assert.equal(listed.get(a.sid), a.flow, `acknowledged execution ${a.sid} (${a.version}) is missing after the restart`)
  await pool([...listed], 16, async ([sid, flow]) => {
    const e = await call(base, 'GET', `/v1/Flows/${flow}/Executions/${sid}`)
    assert.equal(e.status, 200, `listed ${sid} does not fetch: ${JSON.stringify(e.body)}`)
    const ctx = await call(base, 'GET', `/v1/Flows/${flow}/Executions/${sid}/Context`)
    assert.equal(ctx.status, 200, `listed ${sid} has no Context`)
    assert.equal(ctx.body.context.flow.sid, sid)
    if (flow !== FLOW && e.body.status === 'active') {
      // A run of the Ask flow that is still active has been run up to its wait (resumed after the crash if need be).
      const steps = await call(base, 'GET', `/v1/Flows/${flow}/Executions/${sid}/Steps`)
      assert.equal(steps.status, 200)
      assert.ok(steps.body.steps.length >= 1, `${sid}: the engine ran it up to Ask`)
    }
    const a = acked.get(sid)
    if (a === undefined) return // committed, but the answer never arrived: fine, as long as it is whole
    assert.equal(e.body.contact_channel_address, a.to)
    assert.equal(e.body.date_created, a.dateCreated)
    assert.deepEqual(ctx.body.context.flow.data, a.parameters, `${sid}: the Parameters acknowledged`)
    if (a.ended) assert.equal(e.body.status, 'ended', `${sid}: its end was acknowledged`)
    else assert.ok(e.body.status === 'active' || e.body.status === 'ended')
  })
  return { listed: listed.size }
}

function checkFile (db: string): void {
  const raw = new Database(db)
  try {
    assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }])
    assert.deepEqual(raw.pragma('foreign_key_check'), [])
    const orphans = raw.prepare('SELECT count(*) AS n FROM executions e LEFT JOIN execution_contexts c ON c.execution_id = e.id WHERE c.execution_id IS NULL').get() as { n: number }
    assert.equal(orphans.n, 0, 'every execution row has its Context row')
  } finally {
    raw.close()
  }
}

test(`${ROUNDS} rounds of SIGKILL under load: acknowledged writes survive exactly once, nothing half-written, the file is intact`, { timeout: 600_000 }, async (t) => {
  t.diagnostic(`DURABILITY_SEED=${SEED}`)
  const rand = random(SEED)
  const dir = mkdtempSync(join(tmpdir(), 'studio-durability-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'studio.db')
  const acked = new Map<string, Acknowledged>()
  const flows = [FLOW]

  for (let round = 0; round <= ROUNDS; round++) {
    const server = startEmulator(['--port', '0', '--db', db])
    try {
      const base = await server.url()
      const { listed } = await verify(base, flows, acked)
      if (round === ROUNDS) {
        t.diagnostic(`after ${ROUNDS} kills: ${acked.size} acknowledged creates, ${listed} executions stored, ${[...acked.values()].filter(a => a.ended).length} acknowledged ends`)
        break
      }
      if (round === 0) {
        // A flow that runs (Trigger → Ask, waiting for a reply): kills can land while the engine is mid-step.
        const created = await call(base, 'POST', '/v2/Flows', { FriendlyName: 'ask', Status: 'published', Definition: JSON.stringify(fixture('ask')) })
        assert.equal(created.status, 201)
        flows.push(created.body.sid)
      }

      // Kill after a random number of acknowledgements (or a random delay, whichever comes first), but never
      // before MIN_CREATES creates and MIN_ENDS ends are acknowledged.
      const killAfter = MIN_CREATES + MIN_ENDS + Math.floor(rand() * (CREATES + CREATES / 2 - MIN_CREATES - MIN_ENDS))
      const killDelay = 50 + Math.floor(rand() * 1500)
      let creates = 0
      let ends = 0
      let atKill: { creates: number, ends: number } | undefined
      let delayPassed = false
      const enough = () => creates >= MIN_CREATES && ends >= MIN_ENDS
      const kill = () => {
        if (atKill !== undefined) return
        atKill = { creates, ends }
        server.child.kill('SIGKILL')
      }
      const ack = (kind: 'create' | 'end') => {
        if (kind === 'create') creates++
        else ends++
        if (enough() && (delayPassed || creates + ends >= killAfter)) kill()
      }
      const timer = setTimeout(() => {
        delayPassed = true
        if (enough()) kill()
      }, killDelay)
      await Promise.all(Array.from({ length: CREATES }, async (_, i) => {
        const version = i % 3 === 0 ? 'v2' : 'v1'
        const flow = flows[i % 4 === 1 ? 1 : 0] as string
        const to = `+1555${String(round).padStart(2, '0')}${String(i).padStart(5, '0')}`
        const parameters = { round, i, note: `round ${round} request ${i}`, nested: { list: [i, null, 'é'] } }
        try {
          const res = await call(base, 'POST', `/${version}/Flows/${flow}/Executions`, { To: to, From: '+15559990000', Parameters: JSON.stringify(parameters) })
          if (res.status !== 200 && res.status !== 201) return
          const a: Acknowledged = { sid: res.body.sid, flow, version, to, parameters, dateCreated: res.body.date_created, ended: false }
          acked.set(a.sid, a)
          ack('create')
          if (i % 2 === 0) {
            const end = await call(base, 'POST', `/${version}/Flows/${flow}/Executions/${a.sid}`, { Status: 'ended' })
            if (end.status === 200) {
              a.ended = true
              ack('end')
            }
          }
        } catch {
          // The process died under this request: not acknowledged, so either outcome is allowed.
        }
      }))
      clearTimeout(timer)
      const finished = atKill === undefined
      kill()
      const at = atKill ?? { creates, ends }
      t.diagnostic(`round ${round}: ${finished ? 'all answered, then ' : ''}SIGKILL after ${at.creates} acknowledged creates and ${at.ends} ends (limit ${killAfter} or ${killDelay} ms); ${creates + ends - at.creates - at.ends} more answers arrived from the dying process`)
      assert.ok(at.creates >= MIN_CREATES && at.ends >= MIN_ENDS,
        `round ${round}: only ${at.creates} creates and ${at.ends} ends were acknowledged before the kill (at least ${MIN_CREATES} and ${MIN_ENDS} needed): the writes are failing, so the round would prove nothing`)
      await server.exited
    } finally {
      await server.kill()
    }
    checkFile(db)
  }
  // A clean stop after all that, and the file is intact once more.
  const last = startEmulator(['--port', '0', '--db', db])
  try {
    await last.url()
    last.child.kill('SIGTERM')
    const timer = setTimeout(() => last.child.kill('SIGKILL'), 10_000)
    assert.equal(await last.exited, 0, 'a clean exit on SIGTERM')
    clearTimeout(timer)
  } finally {
    await last.kill()
  }
  checkFile(db)
})
