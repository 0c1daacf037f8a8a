// Every widget the engine runs, each of its events, and what it publishes and sends.
import assert from 'node:assert/strict'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import { HTTP_TIMEOUT_MS, HttpFailure, httpRequest } from '../../src/engine/http.js'
import { buildTestApp, call, idle } from '../support/helper.js'
import { server } from '../support/http-server.js'
import { contextOf, execution, flowOf, moveClock, outbox, publish, start, stepsOf, widget } from '../support/engine-helper.js'

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

test('send-message: sent, with Liquid body and the contact and flow channel as default to/from', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Hello', [
    widget('Hello', 'send-message', { body: 'Hi {{flow.data.name | upcase}}', media_url: 'https://example.test/{{flow.data.name}}.png' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const sid = await start(app, flow, { To: '+15550001', From: '+15559999', Parameters: '{"name":"ana"}' })
  assert.deepEqual(await stepsOf(app, flow, sid), [['Trigger', 'incomingRequest', 'Hello', 'trigger'], ['Hello', 'sent', 'Ended', 'send-message']])
  const [m] = await outbox(app, `execution=${sid}`)
  assert.equal(m.kind, 'message')
  assert.match(m.sid, /^SM[0-9a-f]{32}$/)
  assert.deepEqual([m.to, m.from, m.body, m.detail.media_url], ['+15550001', '+15559999', 'Hi ANA', 'https://example.test/ana.png'])
  assert.deepEqual((await contextOf(app, flow, sid)).widgets.Hello.outbound, { Body: 'Hi ANA', From: '+15559999', Sid: m.sid, Status: 'queued', To: '+15550001' })
  assert.equal((await execution(app, flow, sid)).status, 'ended')
})

test('send-message: failed when there is nothing to send', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Hello', [
    widget('Hello', 'send-message', { body: '{{flow.data.missing}}' }, [{ event: 'sent' }, { event: 'failed', next: 'Fallback' }]),
    widget('Fallback', 'send-message', { body: 'fallback' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Hello'], ['Hello', 'failed', 'Fallback'], ['Fallback', 'sent', 'Ended']])
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['fallback'])
})

test('send-and-wait-for-reply: timeout after the widget\'s seconds on the emulator clock; deliveryFailure when it cannot send', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Ask', [
    widget('Ask', 'send-and-wait-for-reply', { body: 'Still there?', timeout: '600' }, [{ event: 'incomingMessage' }, { event: 'timeout', next: 'Bye' }, { event: 'deliveryFailure' }]),
    widget('Bye', 'send-message', { body: 'Bye' }, [{ event: 'sent' }, { event: 'failed' }])
  ]))
  const sid = await start(app, flow)
  await moveClock(app, { advance_ms: 599_000 })
  assert.equal((await execution(app, flow, sid)).status, 'active', 'not yet')
  await moveClock(app, { advance_ms: 2_000 })
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Ask'], ['Ask', 'timeout', 'Bye'], ['Bye', 'sent', 'Ended']])
  assert.deepEqual((await outbox(app, `execution=${sid}`)).map(m => m.body), ['Still there?', 'Bye'])

  const failing = await publish(app, flowOf('Ask', [
    widget('Ask', 'send-and-wait-for-reply', { body: '' }, [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }])
  ]))
  const f = await start(app, failing)
  assert.deepEqual((await stepsOf(app, failing, f)).at(-1), ['Ask', 'deliveryFailure', 'Ended', 'send-and-wait-for-reply'])
})

test('send-and-wait-for-reply: the default timeout is 3600 seconds', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Ask', [
    widget('Ask', 'send-and-wait-for-reply', { body: '?' }, [{ event: 'incomingMessage' }, { event: 'timeout' }, { event: 'deliveryFailure' }])
  ]))
  const sid = await start(app, flow)
  await moveClock(app, { advance_ms: 3_599_000 })
  assert.equal((await execution(app, flow, sid)).status, 'active')
  await moveClock(app, { advance_ms: 1_000 })
  assert.deepEqual((await stepsOf(app, flow, sid)).at(-1), ['Ask', 'timeout', 'Ended', 'send-and-wait-for-reply'])
})

test('split-based-on: the first matching transition wins, values are Liquid-rendered, else noMatch', async (t) => {
  const app = await buildTestApp(t)
  const split = widget('Route', 'split-based-on', { input: '{{flow.data.answer}}' }, [
    { event: 'noMatch', next: 'Other' },
    { event: 'match', next: 'Yes', conditions: [{ friendly_name: 'yes', arguments: ['{{flow.data.answer}}'], type: 'matches_any_of', value: 'yes,yeah,yup' }] },
    { event: 'match', next: 'Same', conditions: [{ friendly_name: 'same', arguments: ['{{flow.data.answer}}'], type: 'equal_to', value: '{{flow.data.expected}}' }] },
    {
      event: 'match',
      next: 'Big',
      conditions: [
        { friendly_name: 'number', arguments: ['{{flow.data.answer}}'], type: 'greater_than', value: '10' },
        { friendly_name: 'small enough', arguments: ['{{flow.data.answer}}'], type: 'less_than', value: '100' }]
    }
  ])
  const leaf = (name: string) => widget(name, 'set-variables', { variables: [{ key: 'went', value: name }] }, [{ event: 'next' }])
  const flow = await publish(app, flowOf('Route', [split, leaf('Yes'), leaf('Same'), leaf('Big'), leaf('Other')]))
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ answer: ' YES ' }, 'match', 'Yes'],
    [{ answer: 'blue', expected: 'Blue' }, 'match', 'Same'],
    [{ answer: '50' }, 'match', 'Big'],
    [{ answer: '500' }, 'noMatch', 'Other'],
    [{ answer: 'yes', expected: 'yes' }, 'match', 'Yes']
  ]
  let n = 0
  for (const [params, event, next] of cases) {
    const sid = await start(app, flow, { To: `+1555${n++}`, Parameters: JSON.stringify(params) })
    assert.deepEqual((await stepsOf(app, flow, sid))[1], ['Route', event, next, 'split-based-on'], JSON.stringify(params))
    assert.equal((await contextOf(app, flow, sid)).flow.variables.went, next)
  }
})

test('set-variables: Liquid values into flow.variables, numbers as numbers, JSON parsed when asked', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Vars', [
    widget('Vars', 'set-variables', {
      variables: [
        { key: 'count', value: '{{flow.data.n | plus: 1}}' },
        { key: 'price', value: '2.50' },
        { key: 'phone', value: '+15551234567' },
        { key: 'zip', value: '02134' },
        { key: 'name', value: 'Ada {{flow.data.last}}' },
        { key: 'obj', value: '{"a":[1,2]}', type: 'json' },
        { key: 'notjson', value: '{oops', type: 'json' },
        { key: 'raw', value: '{"a":1}', type: 'string' }
      ]
    }, [{ event: 'next', next: 'More' }]),
    widget('More', 'set-variables', { variables: [{ key: 'count', value: '{{flow.variables.count | plus: 10}}' }] }, [{ event: 'next' }])
  ]))
  const sid = await start(app, flow, { Parameters: '{"n":41,"last":"Lovelace"}' })
  assert.deepEqual((await contextOf(app, flow, sid)).flow.variables, {
    count: 52, price: 2.5, phone: '+15551234567', zip: '02134', name: 'Ada Lovelace', obj: { a: [1, 2] }, notjson: '{oops', raw: '{"a":1}'
  })
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s[1]), ['incomingRequest', 'next', 'next'])
})

test('make-http-request: success with parsed JSON; GET parameters in the query; JSON bodies; 4xx is failed', async (t) => {
  const api = await server(t, (req, body, res) => {
    if (req.url?.startsWith('/missing') === true) { json(res, 404, { error: 'nope' }); return }
    json(res, 200, { method: req.method, url: req.url, body, type: req.headers['content-type'] ?? null })
  })
  const app = await buildTestApp(t)
  const branches = [{ event: 'success' }, { event: 'failed' }]
  const flow = await publish(app, flowOf('Get', [
    widget('Get', 'make-http-request', { method: 'GET', url: `${api.url}/items`, parameters: [{ key: 'q', value: '{{flow.data.q}}' }] }, [{ event: 'success', next: 'Post' }, { event: 'failed' }]),
    widget('Post', 'make-http-request', { method: 'POST', content_type: 'application/json;charset=utf-8', url: `${api.url}/items`, body: '{"q":"{{flow.data.q}}","n":{{widgets.Get.status_code}}}' }, [{ event: 'success', next: 'Missing' }, { event: 'failed' }]),
    widget('Missing', 'make-http-request', { method: 'GET', url: `${api.url}/missing` }, branches)
  ]))
  const sid = await start(app, flow, { Parameters: '{"q":"a b&c"}' })
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Get'], ['Get', 'success', 'Post'], ['Post', 'success', 'Missing'], ['Missing', 'failed', 'Ended']])
  const w = (await contextOf(app, flow, sid)).widgets
  assert.equal(w.Get.status_code, 200)
  assert.match(w.Get.content_type, /application\/json/)
  assert.deepEqual(w.Get.parsed, { method: 'GET', url: '/items?q=a+b%26c', body: '', type: null })
  assert.equal(w.Get.body, JSON.stringify(w.Get.parsed))
  assert.deepEqual(w.Post.parsed, { method: 'POST', url: '/items', body: '{"q":"a b&c","n":200}', type: 'application/json;charset=utf-8' })
  assert.equal(w.Missing.status_code, 404)
  assert.deepEqual(w.Missing.parsed, { error: 'nope' })
})

test('make-http-request: redirects are followed; a body over 64 kB, a bad URL and Twilio auth off Twilio are failed', async (t) => {
  const api = await server(t, (req, _body, res) => {
    if (req.url === '/old') { res.writeHead(302, { location: '/new' }).end(); return }
    if (req.url === '/big') { res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(64 * 1024 + 1)); return }
    if (req.url === '/exact') { res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(64 * 1024)); return }
    json(res, 200, { at: req.url, auth: req.headers.authorization ?? null })
  })
  const app = await buildTestApp(t)
  const call = (name: string, next: string | undefined, props: Record<string, unknown>) =>
    widget(name, 'make-http-request', { method: 'GET', ...props }, [{ event: 'success', ...(next !== undefined && { next }) }, { event: 'failed', ...(next !== undefined && { next }) }])
  const authed = new URL(api.url)
  authed.username = 'user'
  authed.password = 'p@ss'
  const flow = await publish(app, flowOf('Redirect', [
    call('Redirect', 'Big', { url: `${api.url}/old` }),
    call('Big', 'Exact', { url: `${api.url}/big` }),
    call('Exact', 'BadUrl', { url: `${api.url}/exact` }),
    call('BadUrl', 'TwilioAuth', { url: 'not a url {{flow.data.x}}' }),
    call('TwilioAuth', 'Creds', { url: `${api.url}/auth`, add_twilio_auth: true }),
    call('Creds', undefined, { url: `${authed.toString()}creds` })
  ]))
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 2)), [
    ['Trigger', 'incomingRequest'], ['Redirect', 'success'], ['Big', 'failed'], ['Exact', 'success'], ['BadUrl', 'failed'], ['TwilioAuth', 'failed'], ['Creds', 'success']
  ])
  const w = (await contextOf(app, flow, sid)).widgets
  assert.deepEqual(w.Redirect.parsed, { at: '/new', auth: null })
  assert.deepEqual(w.Creds.parsed, { at: '/creds', auth: 'Basic ' + Buffer.from('user:p@ss').toString('base64') })
  assert.ok(!api.seen.some(r => r.url === '/auth'), 'add_twilio_auth off Twilio makes no request')
})

test('make-http-request: no answer within the timeout is failed (a short timeout here; Studio\'s 10 s is checked below)', async (t) => {
  const api = await server(t, (_req, _body, res) => { setTimeout(() => json(res, 200, {}), 5_000).unref() })
  const app = await buildTestApp(t, { httpTimeoutMs: 300 })
  const flow = await publish(app, flowOf('Slow', [
    widget('Slow', 'make-http-request', { method: 'GET', url: `${api.url}/slow` }, [{ event: 'success' }, { event: 'failed' }])
  ]))
  const started = Date.now()
  const sid = await start(app, flow)
  const elapsed = Date.now() - started
  assert.deepEqual((await stepsOf(app, flow, sid)).at(-1), ['Slow', 'failed', 'Ended', 'make-http-request'])
  assert.ok(elapsed >= 290 && elapsed < 2_300, `took ${elapsed} ms`)
})

test('outbound HTTP gives up after Studio\'s 10 seconds by default', async (t) => {
  assert.equal(HTTP_TIMEOUT_MS, 10_000)
  // The default limit, on mocked timers: still waiting at 9.999 s, failed at 10 s.
  const api = await server(t, () => {})
  t.mock.timers.enable({ apis: ['setTimeout'] })
  let settled = false
  const pending = httpRequest({ method: 'GET', url: `${api.url}/never`, headers: {} }).then(() => 'answered', (err: unknown) => err).finally(() => { settled = true })
  const settle = async () => { for (let i = 0; i < 20; i++) await new Promise(resolve => setImmediate(resolve)) }
  await settle()
  t.mock.timers.tick(HTTP_TIMEOUT_MS - 1)
  await settle()
  assert.equal(settled, false, 'still waiting just before 10 s')
  t.mock.timers.tick(1)
  const outcome = await pending
  assert.ok(outcome instanceof HttpFailure, String(outcome))
  assert.match(outcome.message, /no response within 10000 ms/)
})

test('run-function: success and fail (Studio\'s word for it), posting form parameters', async (t) => {
  const fn = await server(t, (req, body, res) => {
    if (req.url === '/broken') { json(res, 500, { message: 'boom' }); return }
    json(res, 200, { greeting: `hello ${new URLSearchParams(body).get('name') ?? ''}` })
  })
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Fn', [
    widget('Fn', 'run-function', { url: `${fn.url}/hello`, service_sid: 'ZS00000000000000000000000000000000', parameters: [{ key: 'name', value: '{{flow.data.name}}' }] }, [{ event: 'success', next: 'Broken' }, { event: 'fail' }]),
    widget('Broken', 'run-function', { url: `${fn.url}/broken` }, [{ event: 'success' }, { event: 'fail' }])
  ]))
  const sid = await start(app, flow, { Parameters: '{"name":"Ada"}' })
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Fn'], ['Fn', 'success', 'Broken'], ['Broken', 'fail', 'Ended']])
  assert.deepEqual((await contextOf(app, flow, sid)).widgets.Fn.parsed, { greeting: 'hello Ada' })
  assert.equal(fn.seen[0]?.method, 'POST')
  assert.equal(fn.seen[0]?.headers['content-type'], 'application/x-www-form-urlencoded;charset=utf-8')
})

test('run-subflow: the subflow runs inside the parent\'s execution with trigger.parent.parameters; its steps are the parent\'s and name the run-subflow step; the parent reads its variables', async (t) => {
  const app = await buildTestApp(t)
  const child = await publish(app, flowOf('Compute', [
    widget('Compute', 'set-variables', { variables: [{ key: 'total', value: '{{trigger.parent.parameters.a | plus: trigger.parent.parameters.b}}' }] }, [{ event: 'next' }])
  ]), 'child')
  const parent = await publish(app, flowOf('Sub', [
    widget('Sub', 'run-subflow', { flow_sid: child, flow_revision: 'LatestPublished', parameters: [{ key: 'a', value: '{{flow.data.a}}' }, { key: 'b', value: '5' }] },
      [{ event: 'completed', next: 'Report' }, { event: 'failed' }]),
    widget('Report', 'send-message', { body: 'total={{widgets.Sub.total}}' }, [{ event: 'sent' }, { event: 'failed' }])
  ]), 'parent')
  const sid = await start(app, parent, { Parameters: '{"a":37}' })
  await idle(app)
  const steps = (await call(app, 'GET', `/v2/Flows/${parent}/Executions/${sid}/Steps`)).body.steps.reverse()
  assert.deepEqual(steps.map((s: any) => [s.transitioned_from, s.name, s.transitioned_to]), [
    ['Trigger', 'incomingRequest', 'Sub'], ['Trigger', 'incomingParent', 'Compute'], ['Compute', 'next', 'Ended'], ['Sub', 'completed', 'Report'], ['Report', 'sent', 'Ended']
  ])
  assert.equal((await contextOf(app, parent, sid)).widgets.Sub.total, 42)
  assert.deepEqual((await outbox(app, `execution=${sid}&kind=message`)).map(m => m.body), ['total=42'])

  // No execution of its own under the subflow's flow; its steps name the parent's run-subflow step.
  assert.deepEqual((await call(app, 'GET', `/v2/Flows/${child}/Executions`)).body.executions, [])
  const subStep = steps[3]
  for (const s of steps.slice(1, 3)) assert.equal(s.parent_step_sid, subStep.sid)
  const inner = (await call(app, 'GET', `/v2/Flows/${parent}/Executions/${sid}/Steps/${steps[2].sid as string}/Context`)).body.context
  assert.deepEqual(inner.trigger.parent.parameters, { a: '37', b: '5' })
  assert.equal(inner.trigger.parent.step_sid, subStep.sid)
  assert.deepEqual(inner.trigger.request.parameters, { a: 37 }, 'the parent\'s trigger is copied in')
  assert.equal(inner.flow.flow_sid, child)
  assert.equal(inner.flow.variables.total, 42)
})

test('run-subflow: failed when the subflow does not exist', async (t) => {
  const app = await buildTestApp(t)
  // Studio publishes a run-subflow only for a flow that exists: the subflow is deleted after the parent is published.
  const child = await publish(app, flowOf(undefined, []), 'child')
  const parent = await publish(app, flowOf('Sub', [
    widget('Sub', 'run-subflow', { flow_sid: child, flow_revision: 'LatestPublished' }, [{ event: 'completed' }, { event: 'failed' }])
  ]))
  assert.equal((await call(app, 'DELETE', `/v2/Flows/${child}`)).status, 204)
  const sid = await start(app, parent)
  assert.deepEqual((await stepsOf(app, parent, sid)).at(-1), ['Sub', 'failed', 'Ended', 'run-subflow'])
})

// Without a call (a REST execution that placed none): make-outgoing-call places one and waits, test/flow-engine/voice.test.ts.
test('voice and Flex widgets in an execution without a call are recorded in the outbox and take their documented default event, or the one a test chose', async (t) => {
  const app = await buildTestApp(t)
  const types: Array<[string, string]> = [
    ['say-play', 'audioComplete'], ['gather-input-on-call', 'timeout'], ['connect-call-to', 'callCompleted'], ['enqueue-call', 'callComplete'],
    ['record-voicemail', 'recordingComplete'], ['send-to-flex', 'callComplete'],
    ['add-twiml-redirect', 'return'], ['capture-payments', 'success'], ['fork-stream', 'next']
  ]
  // Besides the default event, each widget declares another of its type's events (none for those with one event),
  // and the properties Studio requires of it.
  const otherEvent: Record<string, string> = {
    'gather-input-on-call': 'keypress',
    'connect-call-to': 'hangup',
    'enqueue-call': 'callFailure',
    'record-voicemail': 'hangup',
    'send-to-flex': 'callFailure',
    'add-twiml-redirect': 'fail',
    'capture-payments': 'hangup'
  }
  const requiredProperties: Record<string, Record<string, string>> = {
    'connect-call-to': { noun: 'number', to: '+15550001111' },
    'send-to-flex': { workflow: 'WW00000000000000000000000000000001', channel: 'TC00000000000000000000000000000001' }
  }
  const states = types.map(([type, event], i) => widget(`W${i}`, type, { say: 'Hello {{flow.data.name}}', ...requiredProperties[type] }, [
    { event, ...(i + 1 < types.length && { next: `W${i + 1}` }) }, ...(otherEvent[type] === undefined ? [] : [{ event: otherEvent[type] }])
  ]))
  const flow = await publish(app, flowOf('W0', states))
  const sid = await start(app, flow, { Parameters: '{"name":"Ada"}' })
  assert.deepEqual((await stepsOf(app, flow, sid)).slice(1).map(s => [s[3], s[1]]), types)
  const recorded = await outbox(app, `execution=${sid}`)
  assert.equal(recorded.length, types.length)
  assert.equal(recorded[0].body, 'Hello Ada')
  assert.deepEqual(recorded.map(r => r.widget_type), types.map(([type]) => type))

  // A test chooses the gather's event and digits.
  const choose = await app.inject({ method: 'POST', url: '/__emulator/widget-events', payload: { widget: 'W1', event: 'keypress', publish: { Digits: '42' }, times: 1 } })
  assert.equal(choose.statusCode, 201)
  const chosen = await start(app, flow, { To: '+1999' })
  assert.deepEqual((await stepsOf(app, flow, chosen)).at(-1), ['W1', 'keypress', 'Ended', 'gather-input-on-call'])
  assert.equal((await contextOf(app, flow, chosen)).widgets.W1.Digits, '42')
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/widget-events' })).json().choices, [], 'used up')
  assert.equal((await app.inject({ method: 'POST', url: '/__emulator/widget-events', payload: { event: 'x' } })).statusCode, 400)
})
