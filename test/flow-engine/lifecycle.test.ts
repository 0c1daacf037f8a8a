// How executions end and resume: Studio's step and loop limits, 30-day expiry, inbound messages, REST ends,
// restarts during a wait, and the events each transition records.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { ACCOUNT_A, FLOW, buildTestApp, call, createExecution, idle, testConfig } from '../support/helper.js'
import { askDefinition } from '../support/flows.js'
import { contextOf, execution, flowOf, inbound, moveClock, outbox, publish, start, stepsOf, widget } from '../support/engine-helper.js'

/** A flow that waits 60 days for a reply, whatever triggered it. */
const longWait = () => flowOf('Wait', [
  widget('Wait', 'send-and-wait-for-reply', { body: 'waiting', timeout: String(60 * 24 * 3600) }, [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }])
])

/** Events stay in the outbox when the sink refuses connections, so tests can read them there. */
const DEAD_SINK = 'http://127.0.0.1:9/events'

async function events (app: FastifyInstance, sid: string): Promise<any[]> {
  const res = (await app.inject({ method: 'GET', url: '/__emulator/events?limit=10000' })).json()
  return res.events.filter((e: any) => e.execution_sid === sid).reverse().map((e: any) => e.event)
}

test('an execution ends after 1,000 steps (STEP_LIMIT)', async (t) => {
  const app = await buildTestApp(t, { raw: { eventsUrl: DEAD_SINK } })
  const flow = await publish(app, flowOf('A', [
    widget('A', 'set-variables', { variables: [{ key: 'n', value: '{{flow.variables.n | plus: 1}}' }] }, [{ event: 'next', next: 'B' }]),
    widget('B', 'set-variables', { variables: [] }, [{ event: 'next', next: 'A' }])
  ]))
  const sid = await start(app, flow)
  const e = await execution(app, flow, sid)
  assert.equal(e.status, 'ended')
  const steps = await stepsOf(app, flow, sid)
  assert.equal(steps.length, 1000)
  assert.equal((await contextOf(app, flow, sid)).flow.variables.n, 500)
  const evs = await events(app, sid)
  assert.equal(evs.filter(x => x.type === 'com.twilio.studio.flow.step.ended').length, 1000)
  assert.equal(evs.at(-1).data.ended_reason, 'STEP_LIMIT')
})

test('an execution stops when the same widget runs 10 times in a row (LOOP_LIMIT)', async (t) => {
  const app = await buildTestApp(t, { raw: { eventsUrl: DEAD_SINK } })
  const flow = await publish(app, flowOf('Loop', [
    widget('Loop', 'set-variables', { variables: [{ key: 'n', value: '{{flow.variables.n | plus: 1}}' }] }, [{ event: 'next', next: 'Loop' }])
  ]))
  const sid = await start(app, flow)
  assert.equal((await execution(app, flow, sid)).status, 'ended')
  assert.equal((await contextOf(app, flow, sid)).flow.variables.n, 10)
  assert.equal((await stepsOf(app, flow, sid)).length, 11)
  assert.equal((await events(app, sid)).at(-1).data.ended_reason, 'LOOP_LIMIT')
})

test('an execution ends 30 days after it began, on the emulator clock (EXPIRED), auto flows too', async (t) => {
  const app = await buildTestApp(t, { raw: { eventsUrl: DEAD_SINK } })
  const flow = await publish(app, longWait())
  const waiting = await start(app, flow)
  const auto = (await createExecution(app, { To: '+1777' })).body.sid
  await moveClock(app, { advance_ms: 30 * 24 * 3600 * 1000 - 60_000 })
  assert.equal((await execution(app, flow, waiting)).status, 'active')
  await moveClock(app, { advance_ms: 120_000 })
  assert.equal((await execution(app, flow, waiting)).status, 'ended')
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions/${auto}`)).body.status, 'ended')
  assert.equal((await events(app, waiting)).at(-1).data.ended_reason, 'EXPIRED')
})

test('the clock can be read, set, frozen and reset through the control API', async (t) => {
  const app = await buildTestApp(t)
  const set = await moveClock(app, { set: '2030-01-01T00:00:00Z', freeze: true })
  assert.equal(set.now, '2030-01-01T00:00:00.000Z')
  assert.equal(set.frozen, true)
  const created = await createExecution(app)
  assert.equal(created.body.date_created, '2030-01-01T00:00:00Z')
  assert.equal((await moveClock(app, { advance_ms: 1500 })).now, '2030-01-01T00:00:01.500Z')
  const reset = await moveClock(app, { reset: true })
  assert.equal(reset.frozen, false)
  assert.ok(Math.abs(Date.parse(reset.now) - Date.now()) < 5000)
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/clock', payload: { set: 'soon' } })).statusCode, 400)
})

test('an inbound message with no active execution starts one with the incomingMessage trigger', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition())
  const res = await inbound(app, flow, { From: '+15550101', To: '+15559999', Body: 'hello', MessageSid: 'SM0123456789abcdef0123456789abcdef' })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /text\/xml/)
  assert.equal(res.headers['x-studio-emulator-outcome'], 'started')
  const list = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.equal(list.length, 1)
  const e = list[0]
  assert.equal(e.contact_channel_address, '+15550101')
  assert.equal(e.initiated_by, 'SM0123456789abcdef0123456789abcdef')
  assert.deepEqual((await stepsOf(app, flow, e.sid))[0], ['Trigger', 'incomingMessage', 'Ask', 'trigger'])
  const ctx = await contextOf(app, flow, e.sid)
  assert.equal(ctx.trigger.message.Body, 'hello')
  assert.equal(ctx.contact.channel.address, '+15550101')
  assert.equal(ctx.flow.channel.address, '+15559999')
  // The question went to the contact from the flow's number; the reply resumes the same execution.
  assert.deepEqual((await outbox(app, `execution=${e.sid}`)).map(m => [m.to, m.from]), [['+15550101', '+15559999']])
  const reply = await inbound(app, flow, { From: '+15550101', To: '+15559999', Body: 'Ada' })
  assert.equal(reply.headers['x-studio-emulator-outcome'], 'resumed')
  assert.equal((await execution(app, flow, e.sid)).status, 'ended')
  assert.equal((await contextOf(app, flow, e.sid)).widgets.Thanks.outbound.Body, 'Thanks Ada')
})

test('an inbound message for an active execution that is not waiting for a reply is recorded and dropped', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Call', [
    widget('Call', 'send-and-wait-for-reply', { body: 'q' }, [{ event: 'incomingMessage', next: 'Hold' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
    widget('Hold', 'send-and-wait-for-reply', { body: 'again' }, [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }])
  ]))
  // An auto flow's execution stays active without waiting: messages for it are dropped.
  await createExecution(app, { To: '+15550202', From: '+15559999' })
  const dropped = await inbound(app, FLOW, { From: '+15550202', To: '+15559999', Body: 'x' })
  assert.equal(dropped.headers['x-studio-emulator-outcome'], 'dropped')
  assert.equal((await call(app, 'GET', `/v1/Flows/${FLOW}/Executions`)).body.executions.length, 1)
  assert.equal((await inbound(app, flow, { From: '+15550303', To: '+15559999', Body: 'x' })).headers['x-studio-emulator-outcome'], 'started')
})

test('the inbound webhook needs a known account and flow, and From and To', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition())
  assert.equal((await inbound(app, flow, { From: '+1', To: '+2' }, 'AC99999999999999999999999999999999')).statusCode, 404)
  assert.equal((await inbound(app, 'FW99999999999999999999999999999999', { From: '+1', To: '+2' })).statusCode, 404)
  const missing = await inbound(app, flow, { To: '+2', Body: 'x' })
  assert.equal(missing.statusCode, 400)
  assert.equal(missing.json().message, 'Missing required parameter From in the post body')
  assert.equal((await app.inject({ method: 'GET', url: `/v1/Accounts/${ACCOUNT_A.sid}/Flows/${flow}` })).statusCode, 405)
})

test('ending a waiting execution over REST stops it; a late reply starts nothing and a late timeout does nothing', async (t) => {
  const app = await buildTestApp(t, { raw: { eventsUrl: DEAD_SINK } })
  const flow = await publish(app, askDefinition())
  const sid = await start(app, flow, { To: '+15550404', From: '+15559999' })
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}/Executions/${sid}`, { Status: 'ended' })).status, 200)
  await moveClock(app, { advance_ms: 3_600_000 })
  assert.equal((await stepsOf(app, flow, sid)).length, 1)
  assert.equal((await events(app, sid)).at(-1).data.ended_reason, 'ENDED_BY_API')
  assert.equal((await outbox(app, `execution=${sid}`)).length, 1)
})

test('ending the execution over REST while its subflow waits ends the subflow too: nothing is left active', async (t) => {
  const app = await buildTestApp(t)
  const child = await publish(app, longWait(), 'child')
  const parent = await publish(app, flowOf('Sub', [
    widget('Sub', 'run-subflow', { flow_sid: child, flow_revision: '1' }, [{ event: 'completed' }, { event: 'failed', next: 'Sorry' }]),
    widget('Sorry', 'send-message', { body: 'sorry' }, [{ event: 'sent' }, { event: 'failed' }])
  ]), 'parent')
  const sid = await start(app, parent)
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${child}/Executions`)).body.executions, [], 'the subflow has no execution of its own')
  assert.equal((await execution(app, parent, sid)).status, 'active', 'the subflow waits inside the execution')
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['waiting'])
  assert.equal((await call(app, 'POST', `/v2/Flows/${parent}/Executions/${sid}`, { Status: 'ended' })).status, 200)
  await idle(app)
  assert.equal((await execution(app, parent, sid)).status, 'ended')
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${parent}/Executions?status=active`)).body.executions, [])
  assert.deepEqual((await stepsOf(app, parent, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Sub'], ['Trigger', 'incomingParent', 'Wait']])
  // Its wait is gone with it: the clock passing the subflow's timeout records nothing more.
  await moveClock(app, { advance_ms: 61 * 24 * 3600 * 1000 })
  assert.equal((await stepsOf(app, parent, sid)).length, 2)
})

test('a restart in the middle of a wait loses nothing: the reply resumes the execution in the new process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-engine-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  let app = await buildApp({ config })
  const flow = await publish(app, askDefinition())
  const sid = await start(app, flow, { To: '+15550505', From: '+15559999' })
  assert.equal((await stepsOf(app, flow, sid)).length, 1)
  await app.close()

  app = await buildApp({ config })
  t.after(async () => { await app.close() })
  const res = await inbound(app, flow, { From: '+15550505', To: '+15559999', Body: 'back' })
  assert.equal(res.headers['x-studio-emulator-outcome'], 'resumed')
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Ask'], ['Ask', 'incomingMessage', 'Thanks'], ['Thanks', 'sent', 'Ended']])
  assert.equal((await contextOf(app, flow, sid)).widgets.Ask.inbound.Body, 'back')
})

test('a timeout that fell due while the emulator was down fires when it starts again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-engine-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  let app = await buildApp({ config, clock })
  const flow = await publish(app, askDefinition())
  const sid = await start(app, flow)
  await app.close()
  now += 601_000
  app = await buildApp({ config, clock })
  t.after(async () => { await app.close() })
  await app.ready()
  await idle(app)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s[1]), ['incomingRequest', 'timeout', 'sent'])
})

test('every step records a step.ended event and the end its execution.ended with the reason', async (t) => {
  const app = await buildTestApp(t, { raw: { eventsUrl: DEAD_SINK } })
  const flow = await publish(app, askDefinition())
  const sid = await start(app, flow, { To: '+15550606', From: '+15559999' })
  await inbound(app, flow, { From: '+15550606', To: '+15559999', Body: 'yo' })
  const evs = await events(app, sid)
  assert.deepEqual(evs.map(e => [e.type.replace('com.twilio.studio.flow.', ''), e.data.name ?? e.data.ended_reason ?? e.data.status]), [
    ['execution.started', 'active'], ['step.ended', 'incomingRequest'], ['step.ended', 'incomingMessage'], ['step.ended', 'sent'], ['execution.ended', 'FLOW_END']
  ])
  const steps = await stepsOf(app, flow, sid)
  assert.deepEqual(evs.filter(e => e.type.endsWith('step.ended')).map(e => [e.data.transitioned_from, e.data.transitioned_to]), steps.map(s => [s[0], s[2]]))
})

test('ending an execution over REST while an HTTP widget waits for its answer lets it finish and go on until the next widget that would message the contact', async (t) => {
  const { createServer } = await import('node:http')
  let release: () => void = () => {}
  const gate = new Promise<void>(resolve => { release = resolve })
  const slow = createServer((_req, res) => { gate.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), () => {}) })
  await new Promise<void>(resolve => slow.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { slow.closeAllConnections(); slow.close(() => resolve()) }))
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Http', [
    widget('Http', 'make-http-request', { method: 'GET', url: `http://127.0.0.1:${(slow.address() as { port: number }).port}/` }, [{ event: 'success', next: 'Note' }, { event: 'failed' }]),
    widget('Note', 'set-variables', { variables: [{ key: 'ok', value: '{{widgets.Http.parsed.ok}}' }] }, [{ event: 'next', next: 'Check' }]),
    widget('Check', 'split-based-on', { input: '{{flow.variables.ok}}' }, [{ event: 'noMatch', next: 'After' }, { event: 'match', next: 'After', conditions: [{ type: 'equal_to', value: 'true', arguments: ['{{flow.variables.ok}}'] }] }]),
    widget('After', 'send-message', { body: 'after' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const created = await createExecution(app, {}, { version: 'v2', flow })
  await new Promise(resolve => setTimeout(resolve, 100))
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}/Executions/${created.body.sid}`, { Status: 'ended' })).status, 200)
  release()
  await idle(app)
  // The request finished, and the flow went on through the widgets that do not reach the contact.
  assert.deepEqual((await stepsOf(app, flow, created.body.sid)).map(s => s.slice(0, 3)), [
    ['Trigger', 'incomingRequest', 'Http'], ['Http', 'success', 'Note'], ['Note', 'next', 'Check'], ['Check', 'match', 'After']
  ])
  assert.equal((await contextOf(app, flow, created.body.sid)).flow.variables.ok, 'true')
  // It stopped before the message, and stays ended.
  assert.deepEqual(await outbox(app, `execution=${created.body.sid}&kind=message`), [])
  const ended = await execution(app, flow, created.body.sid)
  assert.equal(ended.status, 'ended')
})

test('ending an execution over REST while it waits for a reply records nothing more for it', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition())
  const sid = await start(app, flow, { To: '+15550707', From: '+15559999' })
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}/Executions/${sid}`, { Status: 'ended' })).status, 200)
  await inbound(app, flow, { From: '+15550707', To: '+15559999', Body: 'late' })
  await moveClock(app, { advance_ms: 2 * 3600 * 1000 })
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s[0]), ['Trigger'])
})
