// What make-http-request and run-function publish: `parsed` merged over an earlier run's, the response `headers`,
// and nothing invented when no response came (timeout, refused connection).
import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import { test } from 'node:test'
import { buildTestApp } from '../support/helper.js'
import { server } from '../support/http-server.js'
import { contextOf, flowOf, outbox, publish, start, stepsOf, widget } from '../support/engine-helper.js'

function json (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

/** A port nothing listens on: a server is opened on a free port and closed again. */
async function closedPort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as { port: number }).port
  await new Promise<void>(resolve => s.close(() => resolve()))
  return port
}

for (const type of ['run-function', 'make-http-request'] as const) {
  const ok = 'success'
  test(`${type}: run twice in a loop, the second parsed is merged over the first`, async (t) => {
    let calls = 0
    const api = await server(t, (_req, _body, res) => {
      calls++
      if (calls === 1) json(res, 200, { round: 1, first: 'kept', nested: { a: 1 } })
      else json(res, 200, { round: 2, second: 'added', nested: { b: 2 } })
    })
    const app = await buildTestApp(t)
    const fail = type === 'run-function' ? 'fail' : 'failed'
    const flow = await publish(app, flowOf('Fn', [
      widget('Fn', type, { url: `${api.url}/fn`, ...(type === 'make-http-request' && { method: 'GET' }) }, [{ event: ok, next: 'Again' }, { event: fail }]),
      widget('Again', 'split-based-on', { input: '{{widgets.Fn.parsed.round}}' }, [
        { event: 'noMatch' },
        { event: 'match', next: 'Fn', conditions: [{ friendly_name: 'first', arguments: ['{{widgets.Fn.parsed.round}}'], type: 'equal_to', value: '1' }] }
      ])
    ]))
    const sid = await start(app, flow)
    assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [
      ['Trigger', 'incomingRequest', 'Fn'], ['Fn', ok, 'Again'], ['Again', 'match', 'Fn'], ['Fn', ok, 'Again'], ['Again', 'noMatch', 'Ended']
    ])
    const fn = (await contextOf(app, flow, sid)).widgets.Fn
    // Top-level keys of the first answer that the second lacks stay; the others (nested objects whole) are replaced.
    assert.deepEqual(fn.parsed, { round: 2, first: 'kept', second: 'added', nested: { b: 2 } })
    // body is the latest response's own text.
    assert.deepEqual(JSON.parse(fn.body), { round: 2, second: 'added', nested: { b: 2 } })
  })
}

test('make-http-request and run-function publish the response headers, names in lower case', async (t) => {
  const api = await server(t, (req, _body, res) => {
    if (req.url === '/text') { res.writeHead(404, { 'Content-Type': 'text/plain', 'X-Request-Id': 'r-2' }).end('no'); return }
    json(res, 200, { ok: true }, { 'X-Request-Id': 'r-1', 'Cache-Control': 'no-store' })
  })
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Get', [
    widget('Get', 'make-http-request', { method: 'GET', url: `${api.url}/json` }, [{ event: 'success', next: 'Fn' }, { event: 'failed' }]),
    widget('Fn', 'run-function', { url: `${api.url}/text` }, [{ event: 'success' }, { event: 'fail' }])
  ]))
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 2)), [['Trigger', 'incomingRequest'], ['Get', 'success'], ['Fn', 'fail']])
  const w = (await contextOf(app, flow, sid)).widgets
  assert.equal(w.Get.headers['x-request-id'], 'r-1')
  assert.equal(w.Get.headers['cache-control'], 'no-store')
  assert.match(w.Get.headers['content-type'], /^application\/json/)
  assert.equal(w.Get.headers['X-Request-Id'], undefined)
  assert.deepEqual(w.Get.parsed, { ok: true })
  // A non-2xx answer is still a response: status, headers and body are published.
  assert.equal(w.Fn.status_code, 404)
  assert.equal(w.Fn.body, 'no')
  assert.equal(w.Fn.headers['x-request-id'], 'r-2')
  assert.equal(w.Fn.parsed, undefined)
})

test('no response (a timeout, a refused connection): fail / failed, nothing published, the reason in the outbox', async (t) => {
  const api = await server(t, (_req, _body, res) => { setTimeout(() => json(res, 200, {}), 5_000).unref() })
  const port = await closedPort()
  const app = await buildTestApp(t, { httpTimeoutMs: 300 })
  const flow = await publish(app, flowOf('Slow', [
    widget('Slow', 'run-function', { url: `${api.url}/slow` }, [{ event: 'success' }, { event: 'fail', next: 'Refused' }]),
    widget('Refused', 'make-http-request', { method: 'GET', url: `http://127.0.0.1:${port}/x` }, [{ event: 'success' }, { event: 'failed' }])
  ]))
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [
    ['Trigger', 'incomingRequest', 'Slow'], ['Slow', 'fail', 'Refused'], ['Refused', 'failed', 'Ended']
  ])
  const w = (await contextOf(app, flow, sid)).widgets
  assert.deepEqual(w.Slow, {})
  assert.deepEqual(w.Refused, {})
  const sent = (await outbox(app, `execution=${sid}`)).filter(m => m.kind === 'http')
  assert.deepEqual(sent.map(m => [m.to, m.detail.status_code]), [[`${api.url}/slow`, null], [`http://127.0.0.1:${port}/x`, null]])
  assert.match(sent[0].detail.error, /no response within 300 ms/)
  assert.match(sent[1].detail.error, /ECONNREFUSED/)
})

test('a run with no response after one that answered keeps the earlier values', async (t) => {
  let calls = 0
  const api = await server(t, (_req, _body, res) => {
    calls++
    if (calls === 1) { json(res, 200, { round: 1 }); return }
    setTimeout(() => json(res, 200, {}), 5_000).unref()
  })
  const app = await buildTestApp(t, { httpTimeoutMs: 300 })
  const flow = await publish(app, flowOf('Fn', [
    widget('Fn', 'run-function', { url: `${api.url}/fn` }, [{ event: 'success', next: 'Again' }, { event: 'fail' }]),
    widget('Again', 'split-based-on', { input: '{{widgets.Fn.parsed.round}}' }, [
      { event: 'noMatch' },
      { event: 'match', next: 'Fn', conditions: [{ friendly_name: 'first', arguments: ['{{widgets.Fn.parsed.round}}'], type: 'equal_to', value: '1' }] }
    ])
  ]))
  const sid = await start(app, flow)
  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 2)), [['Trigger', 'incomingRequest'], ['Fn', 'success'], ['Again', 'match'], ['Fn', 'fail']])
  const fn = (await contextOf(app, flow, sid)).widgets.Fn
  assert.equal(fn.status_code, 200)
  assert.deepEqual(fn.parsed, { round: 1 })
})
