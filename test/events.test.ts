// Event Streams' Studio events to STUDIO_EVENTS_URL: oldest first, kept while the sink is down, kept across a restart.
// Delivery rules (drops, expiry, signatures) and the payload schemas are in test/events/.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { ACCOUNT_A, buildTestApp, call, createExecution, idle, testConfig } from './support/helper.js'
import { askDefinition, definitionWith } from './support/flows.js'

/** A local sink: records every batch; `up = false` makes it answer 503; `hold` delays answers until it resolves. */
async function sink (t: TestContext) {
  const state = { up: true, batches: [] as any[][], requests: 0, hold: undefined as Promise<void> | undefined }
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += String(c) })
    req.on('end', async () => {
      state.requests++
      const up = state.up
      if (state.hold !== undefined) await state.hold
      if (!up) { res.writeHead(503).end(); return }
      state.batches.push(JSON.parse(body))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/events`, state, events: () => state.batches.flat() }
}

async function until (what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function outbox (app: FastifyInstance) {
  return (await app.inject({ method: 'GET', url: '/__emulator/events' })).json()
}

const eventRetry = { initialMs: 20, maxMs: 100 }

test('execution.started, step.ended and execution.ended reach the sink in order as CloudEvents', async (t) => {
  const s = await sink(t)
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry })
  const ask = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'g', Status: 'published', Definition: JSON.stringify(askDefinition()) })).body.sid
  const endsAtOnce = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'e', Status: 'published', Definition: JSON.stringify(definitionWith([])) })).body.sid
  const a = (await createExecution(app, { To: '+1555' }, { version: 'v2', flow: ask })).body
  await idle(app) // a now waits in Ask for a reply
  await call(app, 'POST', `/v2/Flows/${ask}/Executions/${a.sid}`, { Status: 'ended' })
  const b = (await createExecution(app, { To: '+1666' }, { version: 'v2', flow: endsAtOnce })).body
  await until('6 events', () => s.events().length === 6)
  await until('the outbox to mark them delivered', async () => (await outbox(app)).pending === 0)

  const events = s.events()
  assert.deepEqual(events.map(e => [e.type, e.data.execution_sid]), [
    ['com.twilio.studio.flow.execution.started', a.sid],
    ['com.twilio.studio.flow.step.ended', a.sid],
    ['com.twilio.studio.flow.execution.ended', a.sid],
    ['com.twilio.studio.flow.execution.started', b.sid],
    ['com.twilio.studio.flow.step.ended', b.sid],
    ['com.twilio.studio.flow.execution.ended', b.sid]
  ])
  for (const e of events) {
    assert.equal(e.specversion, '1.0')
    assert.equal(e.datacontenttype, 'application/json')
    assert.match(e.id, /^EZ[0-9a-f]{32}$/)
    assert.match(e.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.equal(e.data.account_sid, ACCOUNT_A.sid)
  }
  assert.equal(new Set(events.map(e => e.id)).size, 6)
  const [started, step, ended] = events
  assert.equal(started.dataschema, 'https://events-schemas.twilio.com/Studio.FlowExecutionEvent/2')
  assert.deepEqual(Object.keys(started.data).sort(), ['account_sid', 'contact_channel_address', 'date_created', 'date_updated', 'execution_sid', 'flow_revision', 'flow_sid', 'started_by', 'status'])
  assert.equal(started.data.status, 'active')
  assert.equal(started.data.contact_channel_address, '+1555')
  assert.equal(started.data.flow_revision, 1)
  assert.equal(started.data.started_by, a.initiated_by)
  assert.equal(step.dataschema, 'https://events-schemas.twilio.com/Studio.FlowStepEvent/1')
  assert.equal(step.data.name, 'incomingRequest')
  assert.equal(step.data.transitioned_from, 'Trigger')
  assert.equal(step.data.transitioned_to, 'Ask')
  assert.match(step.data.step_sid, /^FT/)
  assert.equal(ended.data.status, 'ended')
  assert.equal(ended.data.ended_reason, 'ENDED_BY_API')
  assert.equal(events[5].data.ended_reason, 'FLOW_END')
  const state = await outbox(app)
  assert.equal(state.pending, 0)
  assert.equal(state.total, 6)
  assert.ok(state.events.every((e: any) => e.status === 'delivered' && e.attempts === 1))
})

test('while the sink is down events stay in the outbox, retried, and all arrive when it returns', async (t) => {
  const s = await sink(t)
  s.state.up = false
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry })
  const sids = []
  for (let i = 0; i < 3; i++) sids.push((await createExecution(app, { To: `+1555${i}` }, { version: 'v2' })).body.sid)
  await until('retries', () => s.state.requests >= 3)
  const down = await outbox(app)
  assert.equal(down.pending, 3)
  assert.ok(down.events.every((e: any) => e.status === 'pending' && e.attempts >= 1 && /503/.test(e.last_error)))
  assert.equal(s.events().length, 0)
  s.state.up = true
  await until('delivery', async () => (await outbox(app)).pending === 0)
  // Each retried event goes on its own, so they may arrive in any order (as Twilio warns for retries).
  assert.deepEqual(s.events().map(e => e.data.execution_sid).sort(), [...sids].sort())
})

test('undelivered events survive a restart and are delivered by the next process', async (t) => {
  const s = await sink(t)
  s.state.up = false
  const dir = mkdtempSync(join(tmpdir(), 'studio-events-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db'), eventsUrl: s.url })
  const first = await buildApp({ config, eventRetry })
  const sid = (await createExecution(first, {}, { version: 'v2' })).body.sid
  await until('a failed attempt', () => s.state.requests >= 1)
  await first.close()
  s.state.up = true
  const second = await buildApp({ config, eventRetry })
  t.after(async () => { await second.close() })
  await second.ready()
  await until('delivery after restart', () => s.events().length === 1)
  assert.equal(s.events()[0].data.execution_sid, sid)
  await until('the outbox to mark it delivered', async () => (await outbox(second)).pending === 0)
})

test('POST /__emulator/events/retry delivers pending events now', async (t) => {
  const s = await sink(t)
  s.state.up = false
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry: { initialMs: 60_000, maxMs: 60_000 } })
  await createExecution(app, {}, { version: 'v2' })
  await until('a failed attempt', () => s.state.requests >= 1)
  s.state.up = true
  const res = await app.inject({ method: 'POST', url: '/__emulator/events/retry' })
  assert.deepEqual(res.json(), { retried: 1 })
  await until('delivery', () => s.events().length === 1)
})

test('a retry asked while a failing request is in flight delivers the event at once after it fails', async (t) => {
  const s = await sink(t)
  s.state.up = false
  let release = (): void => {}
  s.state.hold = new Promise<void>(resolve => { release = resolve })
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry: { initialMs: 60_000, maxMs: 60_000 } })
  await createExecution(app, {}, { version: 'v2' })
  await until('an attempt in flight', () => s.state.requests >= 1)
  const res = await app.inject({ method: 'POST', url: '/__emulator/events/retry' })
  assert.deepEqual(res.json(), { retried: 1 })
  s.state.up = true
  s.state.hold = undefined
  release() // the attempt in flight now fails with a 503; the retry asked during it must not wait 60 s
  await until('delivery', () => s.events().length === 1)
})

test('without STUDIO_EVENTS_URL no event is written', async (t) => {
  const app = await buildTestApp(t)
  await createExecution(app, {}, { version: 'v2' })
  const state = await outbox(app)
  assert.equal(state.sink, null)
  assert.equal(state.total, 0)
})
