// Subflows run inside their parent's execution, as Studio's Subflows page says ("all the steps of the Subflow and
// parent Flow are run as a single Execution"): replies to the parent's number reach a send-and-wait inside the
// subflow, the parent's trigger is readable there, its variables come back on `completed`, one level only, and
// ending the execution over REST ends the subflow with it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { buildTestApp, call, idle, testConfig } from '../support/helper.js'
import { contextOf, execution, flowOf, inbound, outbox, publish, stepsOf, widget } from '../support/engine-helper.js'

const CONTACT = '+15550301'
const NUMBER = '+15559999'

/** A survey subflow: two questions, each waiting for a reply, the answers kept in flow.variables. */
const surveyDefinition = () => flowOf('Q1', [
  widget('Q1', 'send-and-wait-for-reply', { body: 'Hi {{trigger.message.Body}}: how many stars?' }, [{ event: 'incomingMessage', next: 'Keep1' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
  widget('Keep1', 'set-variables', { variables: [{ key: 'stars', value: '{{widgets.Q1.inbound.Body}}' }] }, [{ event: 'next', next: 'Q2' }]),
  widget('Q2', 'send-and-wait-for-reply', { body: 'Why {{flow.variables.stars}}?' }, [{ event: 'incomingMessage', next: 'Keep2' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
  widget('Keep2', 'set-variables', { variables: [{ key: 'why', value: '{{widgets.Q2.inbound.Body}}' }] }, [{ event: 'next' }])
])

/** A parent started by an incoming message: it runs the survey, then thanks the contact with its answers. */
const parentDefinition = (survey: string) => flowOf('Survey', [
  widget('Survey', 'run-subflow', { flow_sid: survey, flow_revision: 'LatestPublished', parameters: [{ key: 'source', value: 'sms' }] },
    [{ event: 'completed', next: 'Thanks' }, { event: 'failed', next: 'Sorry' }]),
  widget('Thanks', 'send-message', { body: 'Thanks: {{widgets.Survey.stars}} stars because {{widgets.Survey.why}}' }, [{ event: 'sent' }, { event: 'failed' }]),
  widget('Sorry', 'send-message', { body: 'Sorry, the survey failed' }, [{ event: 'sent' }, { event: 'failed' }])
])

async function onlyExecution (app: FastifyInstance, flow: string): Promise<string> {
  const list = (await call(app, 'GET', `/v2/Flows/${flow}/Executions`)).body.executions
  assert.equal(list.length, 1)
  return list[0].sid as string
}

test('a subflow waiting for two replies is resumed by replies to the parent\'s number; its variables come back on completed', async (t) => {
  const app = await buildTestApp(t)
  const survey = await publish(app, surveyDefinition(), 'survey')
  const parent = await publish(app, parentDefinition(survey), 'parent')

  assert.equal((await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'start' })).headers['x-studio-emulator-outcome'], 'started')
  const sid = await onlyExecution(app, parent)
  // The parent's trigger is copied into the subflow: {{trigger.message.Body}} renders there as in the parent.
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['Hi start: how many stars?'])
  assert.equal((await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: '5' })).headers['x-studio-emulator-outcome'], 'resumed')
  assert.equal((await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'fast' })).headers['x-studio-emulator-outcome'], 'resumed')

  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['Hi start: how many stars?', 'Why 5?', 'Thanks: 5 stars because fast'])
  assert.deepEqual((await stepsOf(app, parent, sid)).map(s => s.slice(0, 3)), [
    ['Trigger', 'incomingMessage', 'Survey'],
    ['Trigger', 'incomingParent', 'Q1'], ['Q1', 'incomingMessage', 'Keep1'], ['Keep1', 'next', 'Q2'], ['Q2', 'incomingMessage', 'Keep2'], ['Keep2', 'next', 'Ended'],
    ['Survey', 'completed', 'Thanks'], ['Thanks', 'sent', 'Ended']
  ])
  const context = await contextOf(app, parent, sid)
  assert.deepEqual(context.widgets.Survey, { stars: 5, why: 'fast' })
  assert.equal(context.flow.flow_sid, parent, 'the execution\'s own Context stays the parent\'s')
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${survey}/Executions`)).body.executions, [])
  assert.equal((await execution(app, parent, sid)).status, 'ended')
})

test('a subflow ended halfway over REST leaves no active execution for the contact, and the next message starts afresh', async (t) => {
  const app = await buildTestApp(t)
  const survey = await publish(app, surveyDefinition(), 'survey')
  const parent = await publish(app, parentDefinition(survey), 'parent')
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'start' })
  const sid = await onlyExecution(app, parent)
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: '4' })
  assert.equal((await call(app, 'POST', `/v2/Flows/${parent}/Executions/${sid}`, { Status: 'ended' })).status, 200)
  await idle(app)
  for (const flow of [parent, survey]) assert.deepEqual((await call(app, 'GET', `/v2/Flows/${flow}/Executions?status=active`)).body.executions, [])
  const next = await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'again' })
  assert.equal(next.headers['x-studio-emulator-outcome'], 'started', 'the reply found nothing waiting')
  assert.deepEqual((await stepsOf(app, parent, sid)).map(s => s.slice(0, 3)).at(-1), ['Keep1', 'next', 'Q2'])
})

test('one level of subflows: a run-subflow inside a subflow fails with a Step, and the parent takes failed with nothing published', async (t) => {
  const app = await buildTestApp(t)
  const leaf = await publish(app, flowOf('Hi', [widget('Hi', 'send-message', { body: 'leaf' }, [{ event: 'sent' }, { event: 'failed' }])]), 'leaf')
  // Studio publishes a run-subflow only for a flow that exists: this one is deleted once the middle flow is published.
  const gone = await publish(app, flowOf(undefined, []), 'gone')
  const middle = await publish(app, flowOf('Deeper', [
    widget('Deeper', 'run-subflow', { flow_sid: leaf }, [{ event: 'completed' }, { event: 'failed', next: 'Broken' }]),
    widget('Broken', 'set-variables', { variables: [{ key: 'x', value: '1' }] }, [{ event: 'next', next: 'Missing' }]),
    widget('Missing', 'run-subflow', { flow_sid: gone }, [{ event: 'completed' }, { event: 'failed' }])
  ]), 'middle')
  assert.equal((await call(app, 'DELETE', `/v2/Flows/${gone}`)).status, 204)
  const parent = await publish(app, parentDefinition(middle), 'parent')
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'go' })
  const sid = await onlyExecution(app, parent)
  assert.deepEqual((await stepsOf(app, parent, sid)).map(s => s.slice(0, 3)), [
    ['Trigger', 'incomingMessage', 'Survey'],
    ['Trigger', 'incomingParent', 'Deeper'], ['Deeper', 'failed', 'Broken'], ['Broken', 'next', 'Missing'], ['Missing', 'failed', 'Ended'],
    ['Survey', 'completed', 'Thanks'], ['Thanks', 'sent', 'Ended']
  ])
  // The subflow itself completed (its run-subflow widgets took failed inside it): its variables came back.
  assert.deepEqual((await contextOf(app, parent, sid)).widgets.Survey, { x: 1 })
  assert.deepEqual((await outbox(app, `execution=${sid}&kind=message`)).map(m => m.body), ['Thanks:  stars because '])
})

test('a subflow that cannot go on makes its run-subflow take failed, publishing nothing', async (t) => {
  const app = await buildTestApp(t)
  // A Liquid template that does not parse, in a widget with no failure event: the subflow cannot go on.
  const broken = await publish(app, flowOf('Bad', [
    widget('Bad', 'set-variables', { variables: [{ key: 'x', value: '{% if %}broken' }] }, [{ event: 'next' }])
  ]), 'broken')
  const parent = await publish(app, parentDefinition(broken), 'parent')
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'go' })
  const sid = await onlyExecution(app, parent)
  const steps = (await stepsOf(app, parent, sid)).map(s => s.slice(0, 3))
  assert.deepEqual(steps.at(-2), ['Survey', 'failed', 'Sorry'])
  assert.deepEqual(steps.at(-1), ['Sorry', 'sent', 'Ended'])
  assert.equal((await contextOf(app, parent, sid)).widgets.Survey, undefined, 'failed publishes nothing')
  assert.equal((await execution(app, parent, sid)).status, 'ended', 'never a hang')
})

test('a restart while a subflow waits loses nothing: the reply resumes it in the new process', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-subflow-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db') })
  let app = await buildApp({ config })
  const survey = await publish(app, surveyDefinition(), 'survey')
  const parent = await publish(app, parentDefinition(survey), 'parent')
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'start' })
  const sid = await onlyExecution(app, parent)
  await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: '3' })
  await app.close()

  app = await buildApp({ config })
  t.after(async () => { await app.close() })
  assert.equal((await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'ok' })).headers['x-studio-emulator-outcome'], 'resumed')
  assert.deepEqual((await contextOf(app, parent, sid)).widgets.Survey, { stars: 3, why: 'ok' })
  assert.equal((await execution(app, parent, sid)).status, 'ended')
})

test('an execution stored before subflows ran inline (a child execution of its own) still finishes after the upgrade', async (t) => {
  const app = await buildTestApp(t)
  const child = await publish(app, flowOf('Wait', [
    widget('Wait', 'send-and-wait-for-reply', { body: 'old question' }, [{ event: 'incomingMessage', next: 'Keep' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
    widget('Keep', 'set-variables', { variables: [{ key: 'answer', value: '{{widgets.Wait.inbound.Body}}' }] }, [{ event: 'next' }])
  ]), 'child')
  const parent = await publish(app, flowOf('Sub', [
    widget('Sub', 'run-subflow', { flow_sid: child }, [{ event: 'completed', next: 'Thanks' }, { event: 'failed' }]),
    widget('Thanks', 'send-message', { body: 'answer={{widgets.Sub.answer}}' }, [{ event: 'sent' }, { event: 'failed' }])
  ]), 'parent')
  // The previous model: the child waits in an execution of its own, the parent waits for it (wait_kind 'subflow').
  const childRun = await call(app, 'POST', `/v2/Flows/${child}/Executions`, { To: CONTACT, From: NUMBER })
  await idle(app)
  const snapshot = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  const [childRow] = snapshot.tables.executions as Array<Record<string, unknown>>
  const [childContext] = snapshot.tables.execution_contexts as Array<Record<string, any>>
  const parentFlowId = (snapshot.tables.flows as Array<Record<string, unknown>>).find(f => f.sid === parent)?.id
  const parentSid = 'FN' + 'a'.repeat(32)
  const pendingStep = 'FT' + 'b'.repeat(32)
  snapshot.tables.executions = [
    { ...childRow, id: 2, parent_execution_sid: parentSid, parent_step_sid: pendingStep },
    { ...childRow, id: 1, flow_id: parentFlowId, sid: parentSid, current_widget: 'Sub', wait_kind: 'subflow', wait_until: null, pending_step_sid: pendingStep, step_count: 1, repeat_widget: 'Sub' }
  ].sort((a, b) => Number(a.id) - Number(b.id))
  snapshot.tables.execution_contexts = [
    { execution_id: 1, context: { ...childContext.context, flow: { ...childContext.context.flow, flow_sid: parent, sid: parentSid } } },
    { ...childContext, execution_id: 2 }
  ]
  snapshot.tables.steps = (snapshot.tables.steps as Array<Record<string, unknown>>).map(s => ({ ...s, execution_id: 2 }))
  const imported = await app.inject({ method: 'PUT', url: '/__emulator/snapshot', payload: snapshot })
  assert.equal(imported.statusCode, 200, imported.body)

  assert.equal((await inbound(app, child, { From: CONTACT, To: NUMBER, Body: '42' })).headers['x-studio-emulator-outcome'], 'resumed')
  assert.equal((await execution(app, child, childRun.body.sid as string)).status, 'ended')
  assert.equal((await execution(app, parent, parentSid)).status, 'ended')
  assert.deepEqual((await stepsOf(app, parent, parentSid)).map(s => s.slice(0, 3)), [['Sub', 'completed', 'Thanks'], ['Thanks', 'sent', 'Ended']])
  assert.deepEqual((await outbox(app, `execution=${parentSid}&kind=message`)).map(m => m.body), ['answer=42'])
})

test('a Studio export with a subflow, loaded from STUDIO_FLOWS_DIR, runs the survey through the parent\'s webhook as one execution', async (t) => {
  const dir = fileURLToPath(new URL('../fixtures/subflow-survey/', import.meta.url))
  const app = await buildTestApp(t, { raw: { flowsDir: dir, flows: 'strict' } })
  const parent = 'FW5ab0e7c0000000000000000000000002'
  const survey = 'FW5ab0e7c0000000000000000000000001'
  for (const Body of ['hello', '4', 'friendly']) await inbound(app, parent, { From: CONTACT, To: NUMBER, Body })
  const sid = await onlyExecution(app, parent)
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), [
    'Hi hello: how many stars?', 'Why 4? (sms)', 'Thanks: 4 stars because friendly'
  ])
  assert.equal((await execution(app, parent, sid)).status, 'ended')
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${survey}/Executions`)).body.executions, [])
  const steps = await stepsOf(app, parent, sid)
  assert.equal(steps.length, 8)
  assert.ok(steps.every(s => s.length === 4))
})

test('a run-subflow pointing at a draft-only flow or a missing one takes failed with a Step, never a 500 or a hang', async (t) => {
  const app = await buildTestApp(t)
  const draft = await call(app, 'POST', '/v2/Flows', { FriendlyName: 'draft', Status: 'draft', Definition: JSON.stringify(surveyDefinition()) })
  assert.equal(draft.status, 201)
  // Studio publishes a run-subflow only for a flow that exists: the missing one is deleted after its parent is published.
  const gone = await publish(app, surveyDefinition(), 'gone')
  for (const target of [draft.body.sid as string, gone]) {
    const parent = await publish(app, parentDefinition(target), `parent of ${target}`)
    if (target === gone) assert.equal((await call(app, 'DELETE', `/v2/Flows/${gone}`)).status, 204)
    const res = await inbound(app, parent, { From: CONTACT, To: NUMBER, Body: 'go' })
    assert.equal(res.statusCode, 200)
    const sid = await onlyExecution(app, parent)
    assert.deepEqual((await stepsOf(app, parent, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingMessage', 'Survey'], ['Survey', 'failed', 'Sorry'], ['Sorry', 'sent', 'Ended']])
    assert.equal((await execution(app, parent, sid)).status, 'ended')
  }
})
