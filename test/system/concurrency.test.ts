// Concurrency over real sockets: many simultaneous requests on one execution or one contact, first against one
// emulator, then against two emulator processes sharing one SQLite file. Exactly one request wins each race, the
// losers get Twilio's 409 (or v1's "here is the active one"), a contact never has two active executions, and
// nothing answers 5xx.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { test, type TestContext } from 'node:test'
import Database from 'better-sqlite3'
import { ACCOUNT_A, FLOW, OTHER_FLOW, authHeader, buildTestApp, form } from '../support/helper.js'
import { basic, sleep, twoEmulatorsOnOneFile } from '../support/properties.js'

const PARALLEL = Number(process.env.CONCURRENCY_PARALLEL ?? 100)

interface Reply { status: number, body: any }

async function post (base: string, path: string, fields: Record<string, string>, auth: string = authHeader(ACCOUNT_A)): Promise<Reply> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: form(fields)
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) }
}

async function get (base: string, path: string, auth: string = authHeader(ACCOUNT_A)): Promise<Reply> {
  const res = await fetch(base + path, { headers: { authorization: auth } })
  return { status: res.status, body: await res.json() }
}

/** How many answers had each status, e.g. {200: 1, 409: 99}. */
function tally (replies: Reply[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const r of replies) out[r.status] = (out[r.status] ?? 0) + 1
  return out
}

/** A local Event Streams sink that records every event it receives. */
async function sink (t: TestContext) {
  const events: any[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += String(c) })
    req.on('end', () => {
      events.push(...JSON.parse(body))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/events`, events }
}

async function until (what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function listening (t: TestContext, raw: Parameters<typeof buildTestApp>[1] = {}) {
  const app = await buildTestApp(t, raw)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, base: `http://127.0.0.1:${port}` }
}

test(`${PARALLEL} simultaneous Status=ended on one execution: one 200, the rest 409, one execution.ended event`, async (t) => {
  const s = await sink(t)
  const { app, base } = await listening(t, { raw: { eventsUrl: s.url }, eventRetry: { initialMs: 20, maxMs: 100 } })
  for (const version of ['v1', 'v2'] as const) {
    const path = `/${version}/Flows/${FLOW}/Executions`
    const created = await post(base, path, { To: `+1555000${version}`, From: '+15559990000' })
    assert.ok(created.status === 200 || created.status === 201)
    const sid: string = created.body.sid
    const replies = await Promise.all(Array.from({ length: PARALLEL }, async () => await post(base, `${path}/${sid}`, { Status: 'ended' })))
    assert.deepEqual(tally(replies), { 200: 1, 409: PARALLEL - 1 })
    for (const r of replies.filter(r => r.status === 409)) assert.equal(r.body.code, 20409)
    const winner = replies.find(r => r.status === 200)
    assert.equal(winner?.body.status, 'ended')
    assert.equal((await get(base, `${path}/${sid}`)).body.status, 'ended')
    await until(`the events of ${sid}`, async () => (await app.inject({ method: 'GET', url: '/__emulator/events?pending=true' })).json().pending === 0 &&
      s.events.some(e => e.type === 'com.twilio.studio.flow.execution.ended' && e.data.execution_sid === sid))
    const ended = s.events.filter(e => e.type === 'com.twilio.studio.flow.execution.ended' && e.data.execution_sid === sid)
    assert.equal(ended.length, 1, 'exactly one execution.ended')
    assert.equal(ended[0].data.ended_reason, 'ENDED_BY_API')
  }
})

test('simultaneous ends on several executions at once: each ends exactly once', async (t) => {
  const { base } = await listening(t)
  const path = `/v1/Flows/${OTHER_FLOW}/Executions`
  const sids: string[] = []
  for (let i = 0; i < 5; i++) sids.push((await post(base, path, { To: `+155500010${i}`, From: '+15559990000' })).body.sid)
  const jobs = Array.from({ length: PARALLEL }, (_, i) => sids[i % sids.length] as string)
  const replies = await Promise.all(jobs.map(async sid => ({ sid, reply: await post(base, `${path}/${sid}`, { Status: 'ended' }) })))
  for (const sid of sids) {
    assert.deepEqual(tally(replies.filter(r => r.sid === sid).map(r => r.reply)), { 200: 1, 409: jobs.filter(j => j === sid).length - 1 }, sid)
  }
})

test(`${PARALLEL} simultaneous v1 creates for one To/From: every answer names the same execution, one is stored`, async (t) => {
  const { app, base } = await listening(t)
  const path = `/v1/Flows/${FLOW}/Executions`
  const replies = await Promise.all(Array.from({ length: PARALLEL }, async (_, i) => await post(base, path, { To: '+15550000200', From: '+15559990000', Parameters: JSON.stringify({ i }) })))
  assert.deepEqual(tally(replies), { 200: PARALLEL })
  assert.equal(new Set(replies.map(r => r.body.sid)).size, 1)
  const list = await get(base, path)
  assert.equal(list.body.executions.length, 1)
  // Ten contacts at once, interleaved: one execution each.
  const contacts = Array.from({ length: 10 }, (_, i) => `+155500003${i}`)
  const mixed = await Promise.all(Array.from({ length: PARALLEL }, async (_, i) => {
    const to = contacts[i % contacts.length] as string
    return { to, reply: await post(base, path, { To: to, From: '+15559990000' }) }
  }))
  for (const to of contacts) {
    const answers = mixed.filter(m => m.to === to)
    assert.ok(answers.every(a => a.reply.status === 200))
    assert.equal(new Set(answers.map(a => a.reply.body.sid)).size, 1, `one execution for ${to}`)
  }
  const snapshot = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  const active = snapshot.tables.executions.filter((e: any) => e.status === 'active')
  assert.equal(active.length, 11)
  assert.equal(new Set(active.map((e: any) => `${e.flow_id as number} ${e.contact_channel_address as string} ${e.from_address as string}`)).size, 11, 'never two active per contact')
})

test(`${PARALLEL} simultaneous v2 creates for one To/From: one 201, the rest 409 naming it`, async (t) => {
  const { base } = await listening(t)
  const path = `/v2/Flows/${FLOW}/Executions`
  const replies = await Promise.all(Array.from({ length: PARALLEL }, async () => await post(base, path, { To: '+15550000400', From: '+15559990000' })))
  assert.deepEqual(tally(replies), { 201: 1, 409: PARALLEL - 1 })
  const winner = replies.find(r => r.status === 201)?.body.sid
  for (const r of replies.filter(r => r.status === 409)) assert.equal(r.body.details.conflicting_execution_sid, winner)
})

test('a storm of creates, ends and deletes on one contact never leaves two active executions', async (t) => {
  const { app, base } = await listening(t)
  const v1 = `/v1/Flows/${FLOW}/Executions`
  const v2 = `/v2/Flows/${FLOW}/Executions`
  const contact = { To: '+15550000500', From: '+15559990000' }
  const seen = new Set<string>()
  for (let round = 0; round < 5; round++) {
    const replies = await Promise.all(Array.from({ length: PARALLEL }, async (_, i) => {
      const known = [...seen]
      const sid = known[i % Math.max(known.length, 1)]
      switch (i % 4) {
        case 0: return await post(base, v1, contact)
        case 1: return await post(base, v2, contact)
        case 2: return sid === undefined ? await post(base, v1, contact) : await post(base, `${v1}/${sid}`, { Status: 'ended' })
        default: {
          if (sid === undefined) return await post(base, v2, contact)
          const res = await fetch(`${base}${v1}/${sid}`, { method: 'DELETE', headers: { authorization: authHeader(ACCOUNT_A) } })
          return { status: res.status, body: undefined }
        }
      }
    }))
    for (const r of replies) {
      assert.ok(r.status < 500, JSON.stringify(r.body))
      if (r.body?.sid !== undefined) seen.add(r.body.sid)
    }
    const snapshot = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
    const active = snapshot.tables.executions.filter((e: any) => e.status === 'active' && e.contact_channel_address === contact.To)
    assert.ok(active.length <= 1, `${active.length} active executions for one contact`)
  }
})

// ---------------------------------------------------------------------------------------------------------------
// Two processes, one database file: the rules are the database's, not one process's memory.

const DEFAULT_AUTH = basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

function activeCounts (db: string): Array<{ to: string, n: number }> {
  const raw = new Database(db, { readonly: true, timeout: 5000 })
  try {
    return raw.prepare(`SELECT contact_channel_address AS "to", count(*) AS n FROM executions WHERE status = 'active'
      GROUP BY flow_id, contact_channel_address, from_address`).all() as Array<{ to: string, n: number }>
  } finally {
    raw.close()
  }
}

/** Sends each request to one process or the other, all at once; network errors count as status 0. */
async function across (bases: string[], n: number, request: (base: string, i: number) => Promise<Reply>): Promise<Reply[]> {
  return await Promise.all(Array.from({ length: n }, async (_, i) => {
    try {
      return await request(bases[i % bases.length] as string, i)
    } catch (err) {
      return { status: 0, body: String(err) }
    }
  }))
}

const serverErrors = (replies: Reply[]) => replies.filter(r => r.status >= 500 || r.status === 0).map(r => `${r.status} ${JSON.stringify(r.body)}`)

// Whatever the answers, this checks what the database must guarantee.
test('two processes on one file: a contact never has two active executions; v1 answers name one execution', async (t) => {
  const { db, bases } = await twoEmulatorsOnOneFile(t)
  const path = `/v1/Flows/${FLOW}/Executions`
  // Register the flow first, then race on five contacts in turn, ending each before the next round.
  assert.equal((await post(bases[0] as string, path, { To: '+15550000600', From: '+1' }, DEFAULT_AUTH)).status, 200)
  for (let round = 0; round < 5; round++) {
    const contact = { To: `+15550000${700 + round}`, From: '+15559990000' }
    const replies = await across(bases, PARALLEL, async (base) => await post(base, path, contact, DEFAULT_AUTH))
    const ok = replies.filter(r => r.status === 200)
    assert.ok(ok.length > 0, JSON.stringify(tally(replies)))
    assert.equal(new Set(ok.map(r => r.body.sid)).size, 1, `round ${round}: every 200 names the same execution`)
    for (const r of replies.filter(r => r.status !== 200 && r.status < 500 && r.status > 0)) assert.equal(typeof r.body.code, 'number')
    for (const { to, n } of activeCounts(db)) assert.equal(n, 1, `${n} active executions for ${to}`)
    const ends = await across(bases, 20, async (base) => await post(base, `${path}/${ok[0]?.body.sid as string}`, { Status: 'ended' }, DEFAULT_AUTH))
    assert.equal(ends.filter(r => r.status === 200).length, 1, `round ${round}: one end wins ${JSON.stringify(tally(ends))}`)
  }
  // v2 across processes: at most one 201, the others 409 naming it.
  const v2 = await across(bases, PARALLEL, async (base) => await post(base, `/v2/Flows/${FLOW}/Executions`, { To: '+15550000800', From: '+15559990000' }, DEFAULT_AUTH))
  assert.equal(v2.filter(r => r.status === 201).length, 1, JSON.stringify(tally(v2)))
  const winner = v2.find(r => r.status === 201)?.body.sid
  for (const r of v2.filter(r => r.status === 409)) assert.equal(r.body.details.conflicting_execution_sid, winner)
  for (const { to, n } of activeCounts(db)) assert.equal(n, 1, `${n} active executions for ${to}`)
})

test('two processes on one file: racing creates, ends and first use of a FlowSid never answer 5xx', async (t) => {
  const { bases } = await twoEmulatorsOnOneFile(t)
  const problems: string[] = []
  for (let round = 0; round < 3; round++) {
    // A FlowSid neither process has seen: both register it at once.
    const flow = `FW0000000000000000000000000000${String(round).padStart(4, '0')}`
    const creates = await across(bases, 3 * PARALLEL, async (base, i) => await post(base, `/${i % 3 === 0 ? 'v2' : 'v1'}/Flows/${flow}/Executions`, { To: `+1555${i % 7}`, From: '+15559990000' }, DEFAULT_AUTH))
    problems.push(...serverErrors(creates))
    const sids = [...new Set(creates.filter(r => r.status === 200 || r.status === 201).map(r => r.body.sid as string))]
    const ends = await across(bases, 3 * PARALLEL, async (base, i) => await post(base, `/v1/Flows/${flow}/Executions/${sids[i % sids.length] as string}`, { Status: 'ended' }, DEFAULT_AUTH))
    problems.push(...serverErrors(ends))
  }
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} server errors`)
})
