// Regression (issue "One house, clean rooms", bug 2): what a widget sends is written in the same transaction as
// the Step (or the wait) that records it. A crash between the writes (a fault injected inside the transaction,
// before its commit) leaves neither, so after a restart the widget runs again and its message is there exactly once.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { RecorderHooks } from '../../src/engine/recorder.js'
import { ACCOUNT_A, call, createExecution, idle, testConfig } from '../support/helper.js'
import { execution, flowOf, inbound, outbox, publish, stepsOf, widget } from '../support/engine-helper.js'

/** Events stay in the outbox when the sink refuses connections, so the test can count them there. */
const DEAD_SINK = 'http://127.0.0.1:9/events'

class InjectedCrash extends Error {}

/** A hook that fails the first transaction recording the widget `name`, as a crash before its commit would. */
function crashOnce (name: string): RecorderHooks & { fired: number } {
  const hook = {
    fired: 0,
    beforeCommit: (_e: unknown, state: { name: string }) => {
      if (state.name !== name || hook.fired > 0) return
      hook.fired++
      throw new InjectedCrash(`injected crash before the commit of ${name}`)
    }
  }
  return hook
}

async function twoLives (t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'studio-atomic-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const config = testConfig({ db: join(dir, 'studio.db'), eventsUrl: DEAD_SINK })
  const apps: FastifyInstance[] = []
  t.after(async () => { for (const app of apps) await app.close() })
  return async (hooks?: RecorderHooks) => {
    // The engine logs the injected failure; nothing else is expected there.
    const app = await buildApp({ config, ...(hooks !== undefined && { engineHooks: hooks }) })
    apps.push(app)
    await app.ready()
    return app
  }
}

async function stepEvents (app: FastifyInstance, sid: string): Promise<string[]> {
  const res = (await app.inject({ method: 'GET', url: '/__emulator/events?limit=10000' })).json()
  return res.events.filter((e: any) => e.execution_sid === sid && e.type.endsWith('step.ended')).reverse().map((e: any) => e.event.data.transitioned_from)
}

test('a crash before a transition commits records neither its Step nor its message; after a restart both are there once', async (t) => {
  const life = await twoLives(t)
  const hook = crashOnce('Send')
  let app = await life(hook)
  const flow = await publish(app, flowOf('Send', [
    widget('Send', 'send-message', { body: 'Your code is 1234' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const created = await createExecution(app, { To: '+15550101', From: '+15559999' }, { version: 'v2', flow })
  assert.equal(created.status, 201)
  const sid = created.body.sid as string
  await idle(app)

  assert.equal(hook.fired, 1, 'the fault was injected')
  assert.deepEqual(await outbox(app, `execution=${sid}`), [], 'no message without its Step')
  // Trigger → Send is a run of instant widgets, written in one transaction (src/engine/runtime.ts, CHAINED): the
  // crash before its commit leaves none of it.
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [])
  assert.deepEqual(await stepEvents(app, sid), [])
  assert.equal((await execution(app, flow, sid)).status, 'active')
  await app.close()

  // The next process picks the execution up at the widget that did not commit.
  app = await life()
  await idle(app)
  const messages = await outbox(app, `execution=${sid}`)
  assert.equal(messages.length, 1, 'the message is recorded exactly once')
  assert.equal(messages[0].body, 'Your code is 1234')
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Send'], ['Send', 'sent', 'Ended']])
  assert.deepEqual(await stepEvents(app, sid), ['Trigger', 'Send'])
  const ended = await execution(app, flow, sid)
  assert.equal(ended.status, 'ended')
  // The Step's context names the message that was recorded.
  const steps = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps`)).body.steps
  const context = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps/${steps[0].sid}/Context`)).body.context
  assert.equal(context.widgets.Send.outbound.Sid, messages[0].sid)
})

test('a crash before a wait commits records no message; after a restart the question is asked once and the reply resumes it', async (t) => {
  const life = await twoLives(t)
  const hook = crashOnce('Ask')
  let app = await life(hook)
  const flow = await publish(app, flowOf('Ask', [
    widget('Ask', 'send-and-wait-for-reply', { body: 'Still there?' }, [{ event: 'incomingMessage', next: 'Thanks' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
    widget('Thanks', 'send-message', { body: 'Thanks' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const created = await createExecution(app, { To: '+15550102', From: '+15559999' }, { version: 'v2', flow })
  const sid = created.body.sid as string
  await idle(app)
  assert.equal(hook.fired, 1)
  assert.deepEqual(await outbox(app, `execution=${sid}`), [])
  await app.close()

  app = await life()
  await idle(app)
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['Still there?'])
  const res = await inbound(app, flow, { From: '+15550102', To: '+15559999', Body: 'yes' }, ACCOUNT_A.sid)
  assert.equal(res.headers['x-studio-emulator-outcome'], 'resumed')
  await idle(app)
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['Still there?', 'Thanks'])
  assert.equal((await execution(app, flow, sid)).status, 'ended')
})
