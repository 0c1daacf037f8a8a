// Offline stand-ins (STUDIO_HTTP_MAP) and signed Function requests (X-Twilio-Signature): a flow exported from
// Studio calls https://my-svc-1234.twil.io/… and a team API; mapped, the requests reach local servers, and a
// Function that checks the signature with the helper library's validateRequest accepts them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import twilio from 'twilio'
import { ConfigError, buildConfig } from '../../src/config.js'
import { mapUrl } from '../../src/engine/http.js'
import { ACCOUNT_A, ACCOUNT_B, buildTestApp, idle } from '../support/helper.js'
import { contextOf, flowOf, outbox, publish, start, stepsOf, widget } from '../support/engine-helper.js'
import { exportFixture } from '../support/flows.js'
import { server } from '../support/http-server.js'
import { basic, startEmulator } from '../support/properties.js'

test('a Run Function widget reaches the mapped local Function, signed with the account\'s auth token over the URL requested', async (t) => {
  const fn = await server(t, (req, body, res) => {
    const url = `${functions.url}${req.url ?? ''}`
    const params = Object.fromEntries(new URLSearchParams(body))
    const valid = twilio.validateRequest(ACCOUNT_A.authToken, String(req.headers['x-twilio-signature'] ?? ''), url, params)
    res.writeHead(valid ? 200 : 403, { 'content-type': 'application/json' }).end(JSON.stringify({ greeting: `Hi ${params.name ?? ''}`, valid }))
  })
  const functions = fn
  const api = await server(t, (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}') })
  const app = await buildTestApp(t, { raw: { httpMap: `https://my-svc-1234.twil.io=${fn.url},https://api.example.com/v1/=${api.url}/stand-in/` } })
  const flow = await publish(app, exportFixture('offline-functions'))
  const sid = await start(app, flow, { To: '+15550101', From: '+15559999', Parameters: JSON.stringify({ name: 'Zeke' }) })
  await idle(app)

  assert.deepEqual((await stepsOf(app, flow, sid)).map(s => s.slice(0, 3)), [['Trigger', 'incomingRequest', 'Fn'], ['Fn', 'success', 'Api'], ['Api', 'success', 'Say'], ['Say', 'sent', 'Ended']])
  assert.equal(fn.seen.length, 1)
  assert.equal(fn.seen[0]?.url, '/greet')
  assert.ok(fn.seen[0]?.headers['x-twilio-signature'], 'the Function request is signed')
  assert.equal((await contextOf(app, flow, sid)).widgets.Fn.parsed.valid, true, 'validateRequest accepts the signature')
  assert.deepEqual((await outbox(app, `execution=${sid}&kind=message`)).map(m => m.body), ['Hi Zeke'])
  // make-http-request goes to its mapping, path kept under the base, and is not signed.
  assert.equal(api.seen[0]?.url, '/stand-in/orders/7')
  assert.equal(api.seen[0]?.headers['x-twilio-signature'], undefined)
})

test('an account configured only through an API key has no auth token: its Function requests go unsigned', async (t) => {
  const fn = await server(t, (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') })
  const app = await buildTestApp(t, {
    raw: {
      accounts: `${ACCOUNT_A.sid}:${ACCOUNT_A.authToken}`,
      apiKeys: `SK44444444444444444444444444444444:secret-b:${ACCOUNT_B.sid}`,
      httpMap: `https://my-svc-1234.twil.io=${fn.url}`
    }
  })
  const res = await app.inject({
    method: 'POST',
    url: '/v2/Flows',
    headers: { authorization: basic('SK44444444444444444444444444444444', 'secret-b'), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      FriendlyName: 'f',
      Status: 'published',
      Definition: JSON.stringify(flowOf('Fn', [widget('Fn', 'run-function', { url: 'https://my-svc-1234.twil.io/x' }, [{ event: 'success' }, { event: 'fail' }])]))
    }).toString()
  })
  assert.equal(res.statusCode, 201, res.body)
  const created = await app.inject({
    method: 'POST',
    url: `/v2/Flows/${res.json().sid as string}/Executions`,
    headers: { authorization: basic('SK44444444444444444444444444444444', 'secret-b'), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'To=%2B15550102&From=%2B15559999'
  })
  assert.equal(created.statusCode, 201)
  await idle(app)
  assert.equal(fn.seen.length, 1)
  assert.equal(fn.seen[0]?.headers['x-twilio-signature'], undefined)
})

test('STUDIO_HTTP_MAP: longest prefix first, host boundaries kept, bad entries refused at startup', () => {
  const { httpMap } = buildConfig({ httpMap: 'https://a.twil.io=http://127.0.0.1:3000, https://a.twil.io/special=http://127.0.0.1:4000/x' })
  assert.equal(mapUrl('https://a.twil.io/hello?x=1', httpMap).url, 'http://127.0.0.1:3000/hello?x=1')
  assert.equal(mapUrl('https://A.TWIL.IO/special/1', httpMap).url, 'http://127.0.0.1:4000/x/1')
  assert.equal(mapUrl('https://a.twil.io.evil.example/hello', httpMap).url, 'https://a.twil.io.evil.example/hello', 'another host is not mapped')
  assert.equal(mapUrl('not a url', httpMap).url, 'not a url')
  for (const bad of ['https://a.twil.io', 'nonsense=http://x', 'https://a.twil.io=ftp://x', 'https://a.twil.io=http://x,https://a.twil.io/=http://y']) {
    assert.throws(() => buildConfig({ httpMap: bad }), ConfigError, bad)
  }
})

test('each mapping is logged once, the first time a widget uses it, and --http-map is the flag', async (t) => {
  const fn = await server(t, (_req, _body, res) => { res.writeHead(200, { 'content-type': 'application/json' }).end('{}') })
  const emulator = startEmulator(['--port', '0', '--db', ':memory:', '--http-map', `https://my-svc-1234.twil.io=${fn.url}`])
  t.after(async () => { await emulator.kill() })
  const base = await emulator.url()
  const auth = basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
  const post = async (path: string, fields: Record<string, string>) => await fetch(base + path, {
    method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString()
  })
  const created = await post('/v2/Flows', {
    FriendlyName: 'f',
    Status: 'published',
    Definition: JSON.stringify(flowOf('Fn', [widget('Fn', 'run-function', { url: 'https://my-svc-1234.twil.io/x' }, [{ event: 'success' }, { event: 'fail' }])]))
  })
  const flow = (await created.json() as { sid: string }).sid
  for (const to of ['+15550001', '+15550002']) assert.equal((await post(`/v2/Flows/${flow}/Executions`, { To: to, From: '+15559999' })).status, 201)
  const idleRes = await fetch(`${base}/__emulator/idle?timeout_ms=20000`)
  assert.equal(idleRes.status, 200)
  assert.equal(fn.seen.length, 2)
  const lines = emulator.output().stdout.split('\n').filter(l => l.includes('STUDIO_HTTP_MAP'))
  assert.equal(lines.length, 1, emulator.output().stdout)
  assert.match(lines[0] as string, /my-svc-1234\.twil\.io/)
})
