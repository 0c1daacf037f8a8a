// The engine's recorder (src/engine/recorder.ts) on a store, without HTTP: a transition or a wait writes its
// Step, Context, the widget's effects and its run state in one transaction, and a failure before the commit
// leaves none of it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createControllableClock } from '../../src/clock.js'
import { migrate } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'
import { createStore } from '../../src/db/store.js'
import { createRecorder, type RecorderHooks } from '../../src/engine/recorder.js'
import { restContext, startingRunState } from '../../src/studio/context.js'
import { createExecutionWriter } from '../../src/studio/execution-writer.js'
import { definitionWith } from '../support/flows.js'

const ACCOUNT = 'AC11111111111111111111111111111111'
const FLOW = 'FW0123456789abcdef0123456789abcdef'
const SID = 'FNaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'

function setUp (hooks?: RecorderHooks) {
  const db = openDatabase(':memory:')
  migrate(db)
  const store = createStore(db)
  const clock = createControllableClock()
  const writer = createExecutionWriter({ store, clock })
  const recorder = createRecorder({ store, writer, clock, hooks })
  const definition = definitionWith([
    { name: 'Send', type: 'send-message', properties: { body: 'hi' }, transitions: [{ event: 'sent', next: 'Ask' }, { event: 'failed' }] },
    { name: 'Ask', type: 'send-and-wait-for-reply', properties: { body: '?' }, transitions: [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }] }
  ], 'Send')
  const flow = store.createFlow(ACCOUNT, FLOW, 'api', { friendlyName: 'f', status: 'published', definition, commitMessage: null, errors: [], warnings: [] }, clock.now())
  const context = restContext(FLOW, SID, { to: '+15550001', from: '+15559999' }, {})
  writer.batch(w => {
    w.create(ACCOUNT, flow, { sid: SID, to: '+15550001', from: '+15559999', flowRevision: 1, initiatedBy: null, context, now: clock.now() })
    w.setRunState(ACCOUNT, SID, { ...startingRunState(definition), currentWidget: 'Send' })
  })
  const states = definition.states as Array<{ name: string, type: string }>
  const stateNamed = (name: string) => {
    const widget = states.find(s => s.name === name) as Record<string, unknown>
    return { name, type: String(widget.type), widget }
  }
  const message = (body: string) => () => store.insertMessage({
    sid: `SM${body.padEnd(32, '0')}`,
    accountSid: ACCOUNT,
    flowSid: FLOW,
    executionSid: SID,
    widget: 'Send',
    widgetType: 'send-message',
    kind: 'message',
    to: '+15550001',
    from: '+15559999',
    body,
    detail: {},
    dateCreated: clock.now()
  })
  const engineExecution = () => store.getEngineExecution(ACCOUNT, SID) ?? assert.fail('no execution')
  const messages = () => store.listMessages(ACCOUNT, { executionSid: SID, limit: 100 }).map(m => m.body)
  const steps = () => store.listSteps(ACCOUNT, FLOW, SID, { pageSize: 50 }).items.map(s => `${s.transitionedFrom}-${s.name}->${s.transitionedTo}`)
  return { store, recorder, context, stateNamed, message, engineExecution, messages, steps }
}

test('a transition writes its Step, the widget\'s effects and the next widget together', async () => {
  const s = setUp()
  const result = await s.recorder.transition(s.engineExecution(), s.stateNamed('Send'), s.context, { event: 'sent', publish: { outbound: { Body: 'hi' } } }, [s.message('hi')])
  assert.equal(result.kind, 'next')
  assert.deepEqual(s.steps(), ['Send-sent->Ask'])
  assert.deepEqual(s.messages(), ['hi'])
  const after = s.engineExecution()
  assert.equal(after.currentWidget, 'Ask')
  assert.equal(after.stepCount, 1)
  assert.equal((s.store.getExecutionContext(ACCOUNT, FLOW, SID)?.context.widgets as any).Send.outbound.Body, 'hi')
})

test('a failure before a transition commits leaves no Step, no effect and the execution where it was', async () => {
  const s = setUp({ beforeCommit: () => { throw new Error('crash') } })
  await assert.rejects(s.recorder.transition(s.engineExecution(), s.stateNamed('Send'), s.context, { event: 'sent' }, [s.message('hi')]), /crash/)
  assert.deepEqual(s.steps(), [])
  assert.deepEqual(s.messages(), [])
  assert.equal(s.engineExecution().currentWidget, 'Send')
  assert.equal(s.engineExecution().waitKind, 'run')
})

test('a wait writes the widget\'s effects and where it waits, or nothing when it fails before the commit', () => {
  const ok = setUp()
  assert.equal(ok.recorder.wait(ok.engineExecution(), ok.stateNamed('Ask'), ok.context, { wait: 'reply', until: 123 }, [ok.message('?')]), true)
  assert.deepEqual(ok.messages(), ['?'])
  assert.equal(ok.engineExecution().waitKind, 'reply')
  assert.equal(ok.engineExecution().waitUntil, 123)

  const failing = setUp({ beforeCommit: () => { throw new Error('crash') } })
  assert.throws(() => failing.recorder.wait(failing.engineExecution(), failing.stateNamed('Ask'), failing.context, { wait: 'reply', until: 123 }, [failing.message('?')]), /crash/)
  assert.deepEqual(failing.messages(), [])
  assert.equal(failing.engineExecution().waitKind, 'run')
})

test('an execution ended meanwhile takes no transition and gets no effect', async () => {
  const s = setUp()
  const before = s.engineExecution()
  s.store.endExecution(ACCOUNT, FLOW, SID, 'ENDED_BY_API', Date.now())
  const result = await s.recorder.transition(before, s.stateNamed('Send'), s.context, { event: 'sent' }, [s.message('hi')])
  assert.equal(result.kind, 'gone')
  assert.deepEqual(s.steps(), [])
  assert.deepEqual(s.messages(), [])
})
