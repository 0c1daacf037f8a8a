// The inspector's pages and actions without a browser (test/system/inspector.test.ts drives them in Chromium):
// every page renders, text from flows and contacts is escaped, actions refuse bad input with the API's errors and
// change nothing, paging walks every execution once, the list queries read one index each, and STUDIO_ADMIN_TOKEN
// guards it all.
import assert from 'node:assert/strict'
import { get } from 'node:http'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, ACCOUNT_B, assertTwilioError, buildTestApp, call, createExecution, form, idle } from '../support/helper.js'
import { flowOf, publish, start, widget } from '../support/engine-helper.js'
import { askDefinition, exportFixture } from '../support/flows.js'
import { server } from '../support/http-server.js'
import { outbox, sink, until } from '../support/event-sink.js'
import { inspectorLimits } from '../../src/routes/ui.js'

const UI = '/__emulator/ui'

async function page (app: FastifyInstance, url: string) {
  const res = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } })
  return { status: res.statusCode, type: res.headers['content-type'], body: res.body, headers: res.headers }
}

/** Posts a form to an action (a field given as an array is repeated). */
async function act (app: FastifyInstance, url: string, fields: Record<string, string | string[]> = {}, wait = true) {
  const res = await app.inject({ method: 'POST', url: `${UI}/actions/${url}`, headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' }, payload: form(fields) })
  if (wait) await idle(app)
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : JSON.parse(res.body) }
}

test('every page renders as HTML; GET / redirects to the inspector', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey <b>&</b>')
  const sid = await start(app, flow, { To: '+15550001111' })
  const root = await app.inject({ method: 'GET', url: '/' })
  assert.equal(root.statusCode, 302)
  assert.equal(root.headers.location, '/__emulator/ui/')
  for (const url of [`${UI}/`, `${UI}/flows`, `${UI}/journal`, `${UI}/events`, `${UI}/rules`, `${UI}/executions/${sid}`, `${UI}/flows/${ACCOUNT_A.sid}/${flow}`,
    `${UI}/fragments/executions`, `${UI}/fragments/clock`, `${UI}/fragments/executions/${sid}`]) {
    const p = await page(app, url)
    assert.equal(p.status, 200, url)
    assert.match(String(p.type), /^text\/html/, url)
    assert.ok(!p.body.includes('<b>&</b>'), `${url}: a flow's name is text, not markup`)
  }
  const list = await page(app, `${UI}/`)
  assert.match(list.body, new RegExp(`data-execution="${sid}"`))
  assert.match(list.body, /Survey &lt;b&gt;&amp;&lt;\/b&gt;/)
  const one = await page(app, `${UI}/executions/${sid}`)
  assert.match(one.body, /aria-label="Reply as contact"/, 'a waiting execution offers the reply box')
  assert.match(one.body, /data-widget="Ask"/)
  for (const asset of ['htmx.min.js', 'ui.js', 'ui.css']) assert.equal((await app.inject({ method: 'GET', url: `${UI}/assets/${asset}` })).statusCode, 200, asset)
  assert.equal((await page(app, `${UI}/executions/FN${'0'.repeat(32)}`)).status, 404)
  assert.equal((await page(app, `${UI}/executions/nope`)).status, 404)
})

test('actions: start over REST, reply as the contact, end, and the clock', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  const started = await act(app, 'executions', { account: ACCOUNT_A.sid, flow, to: '+15550001111', from: '+15559990000', parameters: '{"name":"Ada"}' })
  assert.equal(started.status, 204)
  const sid = String(started.headers['hx-redirect']).split('/').at(-1) as string
  assert.match(sid, /^FN[0-9a-f]{32}$/)
  assert.equal((await act(app, `executions/${sid}/reply`, { body: 'Ada' })).status, 204)
  const steps = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps`)).body.steps
  assert.equal(steps[0].name, 'sent', 'the reply resumed the execution, which went on to Thanks')

  const second = await start(app, flow, { To: '+15550002222' })
  assert.equal((await act(app, 'clock', { advance_ms: '601000' })).status, 204)
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow}/Executions/${second}`)).body.status, 'ended', 'the timeout fired')
  const third = await start(app, flow, { To: '+15550003333' })
  assert.equal((await act(app, `executions/${third}/end`)).status, 204)
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow}/Executions/${third}`)).body.status, 'ended')
  assertTwilioError(await act(app, `executions/${third}/end`), 409, 20409)
})

test('bad input through the page\'s own endpoints gets the API\'s clear errors and changes nothing', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  const sid = await start(app, flow, { To: '+15550001111' })
  const before = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  const clockBefore = (await app.inject({ method: 'GET', url: '/__emulator/clock' })).json()
  const cases: Array<[string, Record<string, string | string[]>, number, RegExp]> = [
    ['executions', { account: ACCOUNT_A.sid, flow, to: '+1', from: '+2', parameters: '{nope' }, 400, /Parameters/],
    // A field given twice, or two fields that say different things, is refused (not the first one taken).
    ['clock', { advance_ms: ['5', '100000000'] }, 400, /^Invalid parameter advance_ms: is given more than once$/],
    ['clock', { advance_ms: '5', advance_minutes: '1' }, 400, /^Invalid parameter advance_minutes: cannot be given with advance_ms/],
    ['executions', { account: ACCOUNT_A.sid, flow, to: ['+1', '+3'], from: '+2' }, 400, /^Invalid parameter to: is given more than once$/],
    [`executions/${sid}/reply`, { body: ['yes', 'no'] }, 400, /^Invalid parameter body: is given more than once$/],
    // An unknown flow is a 400 naming it, by SMS as by call (not a 404 naming the action's own path).
    ['sms', { account: ACCOUNT_A.sid, flow: 'FW' + 'f'.repeat(32), from: '+1', to: '+2' }, 400, new RegExp(`^Invalid parameter flow_sid: account ${ACCOUNT_A.sid} has no flow FW${'f'.repeat(32)}$`)],
    ['sms', { account: ACCOUNT_B.sid, flow, from: '+1', to: '+2' }, 400, new RegExp(`^Invalid parameter flow_sid: account ${ACCOUNT_B.sid} has no flow ${flow}$`)],
    ['executions', { account: 'AC1', flow, to: '+1', from: '+2' }, 400, /account/],
    ['executions', { account: ACCOUNT_A.sid, flow: 'FW1', to: '+1', from: '+2' }, 400, /flow/],
    ['executions', { account: ACCOUNT_A.sid, flow, from: '+2' }, 400, /Missing required parameter to/],
    ['executions', { account: ACCOUNT_A.sid, flow, to: '+1', from: '+2', extra: 'x' }, 400, /extra/],
    ['clock', { advance_ms: '-5' }, 400, /advance_ms/],
    ['clock', { advance_ms: 'soon' }, 400, /advance_ms/],
    ['clock', { advance_ms: '1e300' }, 400, /advance_ms/],
    ['clock', {}, 400, /advance_minutes/],
    ['sms', { account: ACCOUNT_A.sid, flow, to: '+1' }, 400, /from/],
    ['calls', { account: ACCOUNT_A.sid, flow: 'FW' + 'f'.repeat(32), from: '+1', to: '+2' }, 400, new RegExp(`^Invalid parameter flow_sid: account ${ACCOUNT_A.sid} has no flow FW${'f'.repeat(32)}$`)],
    [`calls/CA${'1'.repeat(32)}/digits`, { digits: '1; drop' }, 400, /digits/],
    ['calls/nope/digits', { digits: '1' }, 400, /CallSid/],
    [`executions/FN${'0'.repeat(32)}/end`, {}, 404, /not found/],
    [`executions/${sid}/end`, { why: 'x' }, 400, /why/],
    ['faults', { path: 'no-slash', status: '503' }, 400, /path/],
    ['faults', { path: '/v2/**', status: '200' }, 400, /status/],
    ['widget-events', { widget: 'Nope', event: 'sent' }, 400, /no flow has a widget/],
    ['widget-events', { widget: 'Ask', event: 'deliveryFailure', publish: '[1]' }, 400, /publish/],
    ['reset', { all: 'yes' }, 400, /all/]
  ]
  for (const [url, fields, status, message] of cases) {
    const res = await act(app, url, fields)
    assert.equal(res.status, status, `${url} ${JSON.stringify(fields)}: ${JSON.stringify(res.body)}`)
    assert.match(res.body.message, message, url)
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'message', 'more_info', 'status'], url)
    assert.equal(res.body.status, status, url)
    if (status === 400) assert.equal(res.body.code, 20001, url)
  }
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json(), before, 'nothing changed')
  assert.equal((await app.inject({ method: 'GET', url: '/__emulator/clock' })).json().offset_ms, clockBefore.offset_ms)
  assertTwilioError({ status: (await page(app, `${UI}/?status=paused`)).status, body: JSON.parse((await page(app, `${UI}/?status=paused`)).body), headers: { 'content-type': 'application/json' } }, 400, 20001, /status/)
  assert.equal((await page(app, `${UI}/?before=DROP`)).status, 400)
  assert.equal((await page(app, `${UI}/?sort=x`)).status, 400)
})

test('paging walks every execution newest first, once; filters by flow, status and contact', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, flowOf('Done', [widget('Done', 'set-variables', { variables: [] }, [{ event: 'next' }])]), 'Quick')
  await app.inject({ method: 'POST', url: '/__emulator/clock', payload: { freeze: true } })
  const created: string[] = []
  for (let i = 0; i < 120; i++) created.push((await createExecution(app, { To: `+1555000${String(i).padStart(4, '0')}` }, { version: 'v2', flow })).body.sid)
  const other = (await createExecution(app, { To: '+15559999999' }, { version: 'v2', flow: 'FW' + 'a'.repeat(32) })).body.sid
  await idle(app)
  const seen: string[] = []
  let url = `${UI}/fragments/executions?flow=${flow}&account=${ACCOUNT_A.sid}`
  for (let pages = 0; pages < 10; pages++) {
    const body = (await page(app, url)).body
    seen.push(...[...body.matchAll(/data-execution="(FN[0-9a-f]{32})"/g)].map(m => m[1] as string))
    const next = /href="([^"]*before=[^"]*)">Older executions/.exec(body)?.[1]
    if (next === undefined) break
    url = next.replace(/&amp;/g, '&').replace(`${UI}/`, `${UI}/fragments/executions`)
  }
  assert.deepEqual(seen, [...created].reverse(), 'newest first, every one once, across pages')
  const all = (await page(app, `${UI}/fragments/executions`)).body
  assert.match(all, new RegExp(other), 'without a filter every flow shows')
  const byContact = (await page(app, `${UI}/fragments/executions?contact=%2B15550000007`)).body
  assert.deepEqual([...byContact.matchAll(/data-execution="(FN[0-9a-f]{32})"/g)].map(m => m[1]), [created[7]])
  const active = (await page(app, `${UI}/fragments/executions?status=active`)).body
  assert.deepEqual([...active.matchAll(/data-execution="(FN[0-9a-f]{32})"/g)].map(m => m[1]), [other], 'the quick flow ended them all')
})

test('with STUDIO_ADMIN_TOKEN: pages send people to sign in, other requests get 401, a signed-in cookie opens everything', async (t) => {
  const app = await buildTestApp(t, { raw: { adminToken: 'sesame-0123456789' } })
  const redirect = await page(app, `${UI}/`)
  assert.equal(redirect.status, 303)
  assert.equal(redirect.headers.location, `${UI}/login`)
  assert.equal((await page(app, `${UI}/login`)).status, 200)
  assert.equal((await app.inject({ method: 'GET', url: `${UI}/assets/ui.css` })).statusCode, 200, 'assets need no token')
  assertTwilioError(await act(app, 'reset', {}, false), 401, 20003)
  const wrong = await app.inject({ method: 'POST', url: `${UI}/login`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=nope' })
  assert.equal(wrong.statusCode, 401)
  const right = await app.inject({ method: 'POST', url: `${UI}/login`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=sesame-0123456789' })
  assert.equal(right.statusCode, 303)
  const cookie = String(right.headers['set-cookie'])
  assert.match(cookie, /HttpOnly/)
  assert.match(cookie, /SameSite=Strict/)
  assert.ok(!cookie.includes('sesame'), 'the cookie does not carry the token itself')
  const signedIn = await app.inject({ method: 'GET', url: `${UI}/`, headers: { cookie: cookie.split(';')[0] as string } })
  assert.equal(signedIn.statusCode, 200)
  const bearer = await app.inject({ method: 'GET', url: `${UI}/fragments/clock`, headers: { authorization: 'Bearer sesame-0123456789' } })
  assert.equal(bearer.statusCode, 200)
})

test('each list page reads one index (or the table by rowid from the page edge): no full scan, no sort, whatever the filter', async (t) => {
  const app = await buildTestApp(t)
  const plans = (app as unknown as { store: { inspectorQueryPlans: () => string[] } }).store.inspectorQueryPlans()
  assert.ok(plans.length >= 4)
  for (const plan of plans) {
    assert.doesNotMatch(plan, /SCAN e\b(?! USING)|TEMP B-TREE/, plan)
    assert.match(plan, /SEARCH e USING ((COVERING )?INDEX|INTEGER PRIMARY KEY)/, plan)
  }
})

test('the conversation shows HTTP requests with their answers', async (t) => {
  const app = await buildTestApp(t)
  const { url } = await server(t, (_req, _body, res) => { res.setHeader('content-type', 'application/json'); res.end('{"tier":"gold"}') })
  const flow = await publish(app, flowOf('lookup', [widget('lookup', 'make-http-request', { method: 'GET', url: `${url}/customers` }, [{ event: 'success' }, { event: 'failed' }])]), 'Lookup')
  const sid = await start(app, flow, { To: '+15550001111' })
  const body = (await page(app, `${UI}/executions/${sid}`)).body
  assert.match(body, /<li class="http">.*<strong>lookup<\/strong> GET <span class="mono">http:\/\/[^<]*\/customers<\/span> → 200<div class="muted mono">answer: \{&quot;tier&quot;:&quot;gold&quot;\}<\/div>/s)
})

test('reply as contact and press digits are refused with 409 unless the execution or call waits for them; nothing starts or changes', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  const ended = await start(app, flow, { To: '+15550001111', From: '+15559990000' })
  assert.equal((await act(app, `executions/${ended}/end`)).status, 204)
  const ivr = await publish(app, exportFixture('ivr'), 'IVR')
  const placed = await act(app, 'calls', { account: ACCOUNT_A.sid, flow: ivr, from: '+15551112222', to: '+15553334444' })
  const onCall = String(placed.headers['hx-redirect']).split('/').at(-1) as string
  const callSid = /data-call="(CA[0-9a-f]{32})"|actions\/calls\/(CA[0-9a-f]{32})\/digits/.exec((await page(app, `${UI}/executions/${onCall}`)).body)?.slice(1).find(Boolean) as string
  assert.match(callSid, /^CA[0-9a-f]{32}$/)
  assert.equal((await act(app, `calls/${callSid}/digits`, { digits: '2' })).status, 204, 'support: the call is put through (Dial)')
  const before = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [`executions/${ended}/reply`, { body: 'late' }, /has already ended/],
    [`executions/${onCall}/reply`, { body: 'hello?' }, /not waiting for a reply/],
    [`calls/${callSid}/digits`, { digits: '1' }, /not gathering input/]
  ]
  for (const [url, fields, message] of cases) {
    const res = await act(app, url, fields)
    assertTwilioError(res, 409, 20409, message)
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'message', 'more_info', 'status'], url)
  }
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json(), before, 'no execution started, no message recorded, nothing changed')
})

test('action posts from another site are refused with 403 20403 and change nothing; posts from the page itself work', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  await start(app, flow, { To: '+15550001111' })
  const before = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json()
  const post = async (headers: Record<string, string>) => await app.inject({ method: 'POST', url: `${UI}/actions/reset`, headers: { host: '127.0.0.1:4010', 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: '' })
  const hostile: Array<Record<string, string>> = [{ origin: 'http://evil.example' }, { origin: 'null' }, { origin: 'http://127.0.0.1:4011' }, { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'cross-site' }]
  for (const headers of hostile) {
    const res = await post(headers)
    assertTwilioError({ status: res.statusCode, body: res.json(), headers: res.headers }, 403, 20403, /another site/)
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'message', 'more_info', 'status'])
  }
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json(), before, 'nothing deleted')
  assert.equal((await post({ origin: 'http://127.0.0.1:4010', 'sec-fetch-site': 'same-origin', 'hx-request': 'true' })).statusCode, 204, 'the page\'s own post')
  assert.deepEqual((await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json().tables.executions, [], 'reset')
})

test('list pages refuse a repeated filter (400 20001); the Flows view says how many flows it does not show', async (t) => {
  const app = await buildTestApp(t)
  for (const url of [`${UI}/?status=active&status=ended`, `${UI}/fragments/executions?contact=%2B1&contact=%2B2`, `${UI}/?account=${ACCOUNT_A.sid}&account=${ACCOUNT_A.sid}`]) {
    const res = await page(app, url)
    assertTwilioError({ status: res.status, body: JSON.parse(res.body), headers: res.headers }, 400, 20001, /given more than once/)
  }
  const shown = inspectorLimits.flowsShown
  t.after(() => { inspectorLimits.flowsShown = shown })
  inspectorLimits.flowsShown = 2
  for (const name of ['One', 'Two', 'Three']) await publish(app, askDefinition(), name)
  const flows = (await page(app, `${UI}/flows`)).body
  assert.equal([...flows.matchAll(/<tr data-flow=/g)].length, 2, 'the newest two')
  assert.match(flows, new RegExp(`Account <span class="mono">${ACCOUNT_A.sid}</span> has 1 more flow than the newest 2 shown here`))
  assert.doesNotMatch(flows, /One<\/a>/, 'the oldest is the one left out')
})

test('a filtered page examines at most a bounded number of executions, then offers "Search older", which goes on from there', async (t) => {
  const app = await buildTestApp(t)
  const scanRows = inspectorLimits.scanRows
  t.after(() => { inspectorLimits.scanRows = scanRows })
  inspectorLimits.scanRows = 50
  const quick = await publish(app, flowOf('Done', [widget('Done', 'set-variables', { variables: [] }, [{ event: 'next' }])]), 'Quick')
  await app.inject({ method: 'POST', url: '/__emulator/clock', payload: { freeze: true } })
  // Account B's three executions are the oldest of 200.
  const theirs: string[] = []
  for (let i = 0; i < 3; i++) theirs.push((await createExecution(app, { To: `+1555100${i}` }, { version: 'v2', flow: 'FW' + 'b'.repeat(32), who: ACCOUNT_B })).body.sid)
  for (let i = 0; i < 197; i++) await createExecution(app, { To: `+1555000${String(i).padStart(4, '0')}` }, { version: 'v2', flow: quick })
  await idle(app)

  let url = `${UI}/?account=${ACCOUNT_B.sid}`
  const first = (await page(app, url)).body
  assert.doesNotMatch(first, /data-execution=/)
  assert.match(first, /Searched 50 executions: none match these filters\. Older executions were not searched yet\./)
  assert.doesNotMatch(first, /No executions match/, 'it does not claim there are none')
  const found: string[] = []
  let hops = 0
  for (; hops < 10; hops++) {
    const body = (await page(app, url)).body
    found.push(...[...body.matchAll(/data-execution="(FN[0-9a-f]{32})"/g)].map(m => m[1] as string))
    const next = /<a href="([^"]*)">Search older<\/a>/.exec(body)?.[1]
    if (next === undefined) break
    url = next.replace(/&amp;/g, '&')
  }
  assert.deepEqual(found, [...theirs].reverse(), 'the search reaches account B\'s executions, newest first, each once')
  assert.equal(hops, 3, '50 + 50 + 50 examined, then the last 50 hold the matches')
  const last = (await page(app, url)).body
  assert.doesNotMatch(last, /Searched/, 'the last 50 were all there was: the scan was not cut short')
  assert.doesNotMatch(last, /Search older/)

  // Filters the index applies itself read only the rows shown: no bound, no link.
  const byFlow = (await page(app, `${UI}/fragments/executions?flow=${quick}`)).body
  assert.equal([...byFlow.matchAll(/data-execution=/g)].length, 50)
  assert.doesNotMatch(byFlow, /Search older/)
  assert.match(byFlow, />Older executions</)
  // A flow's ended executions: the status filter applies along the flow's index, so the scan is bounded there too.
  const ended = (await page(app, `${UI}/fragments/executions?flow=${quick}&status=active`)).body
  assert.match(ended, /Searched 50 executions: none match/)
  assert.match(ended, />Search older</)
})

test('start by SMS: the page goes to the new execution, which shows the message that started it and the question it sent', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  const sent = await act(app, 'sms', { account: ACCOUNT_A.sid, flow, from: '+15550001111', to: '+15559990000', body: 'hi there' })
  assert.equal(sent.status, 204)
  const target = String(sent.headers['hx-redirect'])
  const sid = /^\/__emulator\/ui\/executions\/(FN[0-9a-f]{32})$/.exec(target)?.[1] as string
  assert.ok(sid !== undefined, target)
  const execution = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}`)).body
  assert.equal(execution.status, 'active')
  assert.equal(execution.contact_channel_address, '+15550001111')
  const body = (await page(app, target)).body
  assert.match(body, /<li class="in">.*<strong>\+15550001111<\/strong> → \+15559990000: hi there/s, 'the SMS that started it')
  assert.match(body, /<li class="out">.*<strong>Ask<\/strong> sent to \+15550001111: What is your name\?/s, 'the question it sent')
  assert.match(body, /aria-label="Reply as contact"/)
})

test('the clock: +1 min, +1 day and a number of minutes move it by that much', async (t) => {
  const app = await buildTestApp(t)
  const offset = async () => (await app.inject({ method: 'GET', url: '/__emulator/clock' })).json().offset_ms as number
  assert.equal(await offset(), 0)
  const header = (await page(app, `${UI}/fragments/clock`)).body
  for (const label of ['+1 min', '+1 h', '+1 day']) assert.match(header, new RegExp(`>\\${label}</button>`), label)
  assert.equal((await act(app, 'clock', { advance_ms: '60000' })).status, 204)
  assert.equal(await offset(), 60_000)
  assert.equal((await act(app, 'clock', { advance_ms: '86400000' })).status, 204)
  assert.equal(await offset(), 60_000 + 86_400_000)
  assert.equal((await act(app, 'clock', { advance_minutes: '7.5' })).status, 204)
  assert.equal(await offset(), 60_000 + 86_400_000 + 450_000)
  assert.match((await page(app, `${UI}/fragments/clock`)).body, /\(\+86910 s\)/, 'the header shows the offset')
})

test('faults and widget-event choices: added from the page, listed on it, cleared; Reset deletes the data', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  assert.equal((await act(app, 'faults', { method: 'POST', path: '/v2/Flows/*/Executions', status: '503', message: 'Down for a bit', times: '2' })).status, 204)
  assert.equal((await act(app, 'widget-events', { widget: 'Ask', event: 'deliveryFailure', flow_sid: flow, publish: '{"ErrorCode":"30003"}', times: '1' })).status, 204)
  const rules = (await page(app, `${UI}/rules`)).body
  assert.match(rules, /<td>POST<\/td><td class="mono">\/v2\/Flows\/\*\/Executions<\/td><td>503 20503 Down for a bit<\/td><td>2<\/td>/)
  assert.match(rules, new RegExp(`<td>Ask</td><td>deliveryFailure</td><td class="mono">${flow}</td><td class="mono">\\{&quot;ErrorCode&quot;:&quot;30003&quot;\\}</td><td>1</td>`))
  const refused = await createExecution(app, { To: '+15550001111' }, { version: 'v2', flow })
  assert.equal(refused.status, 503, 'the fault rule is live')
  assert.equal((await act(app, 'faults/clear')).status, 204)
  assert.equal((await act(app, 'widget-events/clear')).status, 204)
  const cleared = (await page(app, `${UI}/rules`)).body
  assert.match(cleared, /No fault rules\./)
  assert.match(cleared, /No choices\./)
  assert.equal((await createExecution(app, { To: '+15550001111' }, { version: 'v2', flow })).status, 201, 'no fault any more')

  assert.equal((await act(app, 'reset')).status, 204)
  const tables = (await app.inject({ method: 'GET', url: '/__emulator/snapshot' })).json().tables
  assert.deepEqual([tables.flows, tables.executions], [[], []], 'every flow and execution deleted')
  assert.match((await page(app, `${UI}/`)).body, /No executions yet/)
})

test('the events page shows each event\'s delivery state: pending while the sink fails, delivered once it answers', async (t) => {
  let up = false
  const s = await sink(t, () => up ? 204 : 503)
  // The sink URL carries credentials: the page shows it with the password as ***.
  const withCredentials = s.url.replace('://', '://hook:s3cret@')
  const app = await buildTestApp(t, { raw: { eventsUrl: withCredentials }, eventRetry: { initialMs: 60_000, maxMs: 60_000 } })
  const flow = await publish(app, askDefinition(), 'Survey')
  const sid = await start(app, flow, { To: '+15550001111' })
  const rowsOf = (body: string) => [...body.matchAll(/<tr><td><time[^]*?<\/tr>/g)].map(m => m[0]).filter(r => r.includes(sid))
  // Until the emulator has recorded the sink's 503 on every event (the sink answering is not enough: the emulator
  // records the failure after).
  const failedEverywhere = (body: string) => rowsOf(body).length > 0 && rowsOf(body).every(r => /<td>pending<\/td><td>[1-9]\d*<\/td><td>[^<]*503/.test(r))
  await until('every event\'s failed delivery recorded', async () => failedEverywhere((await page(app, `${UI}/events`)).body))
  const pending = (await page(app, `${UI}/events`)).body
  assert.match(pending, new RegExp(`Sink <span class="mono">${s.url.replace('://', '://hook:\\*\\*\\*@').replace(/[.]/g, '\\.')}</span>`))
  assert.ok(!pending.includes('s3cret'), 'the password is never shown')
  assert.ok(rowsOf(pending).length > 0)
  for (const row of rowsOf(pending)) assert.match(row, /<td>pending<\/td><td>[1-9]\d*<\/td><td>[^<]*503/, row)
  assert.match(pending, /Retry pending now/)
  up = true
  assert.equal((await act(app, 'events/retry')).status, 204)
  await until('delivery', () => s.delivered().length > 0)
  await until('every event delivered', async () => !(await page(app, `${UI}/events`)).body.includes('<td>pending</td>'))
  const delivered = (await page(app, `${UI}/events`)).body
  for (const row of rowsOf(delivered)) assert.match(row, /<td>delivered<\/td>/, row)
  assert.match(delivered, /, 0 pending/)
})

test('what the pages show: flows with status, revision and webhook URL; an execution\'s steps with their context, its Context as a tree, its times; the journal\'s status and body', async (t) => {
  const app = await buildTestApp(t)
  const flow = await publish(app, askDefinition(), 'Survey')
  assert.equal((await call(app, 'POST', `/v2/Flows/${flow}`, { Status: 'draft', CommitMessage: 'back to draft' })).status, 200)
  const flows = (await page(app, `${UI}/flows`)).body
  assert.match(flows, new RegExp(`<tr data-flow="${flow}"><td><a href="${UI}/flows/${ACCOUNT_A.sid}/${flow}">Survey</a>.*?<td>draft</td><td>2</td><td class="mono">http://localhost:80/v1/Accounts/${ACCOUNT_A.sid}/Flows/${flow}</td></tr>`, 's'))
  assert.match((await page(app, `${UI}/flows/${ACCOUNT_A.sid}/${flow}`)).body, new RegExp(`draft · revision 2</p>\\s*<p>Webhook URL <span class="mono">http://localhost:80/v1/Accounts/${ACCOUNT_A.sid}/Flows/${flow}</span>`))

  await call(app, 'POST', `/v2/Flows/${flow}`, { Status: 'published', CommitMessage: 'again' })
  const started = await act(app, 'executions', { account: ACCOUNT_A.sid, flow, to: '+15550001111', from: '+15559990000', parameters: '{"name":"Ada"}' })
  const sid = String(started.headers['hx-redirect']).split('/').at(-1) as string
  assert.equal((await act(app, `executions/${sid}/reply`, { body: 'Grace' })).status, 204)
  const e = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}`)).body
  const steps = (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps`)).body.steps
  const body = (await page(app, `${UI}/executions/${sid}`)).body
  const iso = (d: string) => `${new Date(d).toISOString().slice(0, 19)}\\.\\d{3}Z` // the API's dates are to the second
  assert.match(body, new RegExp(`<p>Started <time datetime="${iso(e.date_created)}"[^>]*>[^<]+ UTC</time> · ended <time datetime="${iso(e.date_updated)}"`), 'started and ended times')
  // Each step: its event, from → to, and its context as a collapsible tree (the reply under widgets.Ask.inbound).
  const reply = steps.find((st: any) => st.name === 'incomingMessage')
  const at = body.indexOf(`<details id="step-${reply.sid as string}">`)
  assert.ok(at > 0, 'the reply\'s step')
  const nextStep = body.indexOf('<li><details id="step-', at)
  const step = body.slice(at, nextStep > 0 ? nextStep : body.indexOf('</ol>', at))
  assert.ok(!step.slice(1).includes('<details id="step-'), 'one step')
  assert.match(step, /^<details id="step-FT[0-9a-f]{32}"><summary><time[^>]*>[^<]+<\/time> <strong>incomingMessage<\/strong>: Ask → Thanks <span class="muted">\(send-and-wait-for-reply\)<\/span><\/summary><ul class="tree">/)
  assert.match(step, /<details id="stepctx-FT[0-9a-f]{32}\.widgets\.Ask\.inbound"><summary><span class="key">inbound<\/span> \{\d+\}<\/summary><ul class="tree">.*?<li><span class="key">Body<\/span>: <span class="str">"Grace"<\/span><\/li>/s)
  // The Execution Context: a tree of <details>, the REST parameters under flow.data.
  const context = body.slice(body.indexOf('<h2 id="context-h">Execution Context</h2>'))
  assert.match(context, /<details id="ctx\.flow" open><summary><span class="key">flow<\/span> \{\d+\}<\/summary>/)
  assert.match(context, /<details id="ctx\.flow\.data"><summary><span class="key">data<\/span> \{1\}<\/summary><ul class="tree"><li><span class="key">name<\/span>: <span class="str">"Ada"<\/span><\/li><\/ul><\/details>/)

  await call(app, 'POST', `/v2/Flows/${flow}/Executions`, { To: '+15550002222' }) // no From: refused
  const journal = (await page(app, `${UI}/journal`)).body
  assert.match(journal, new RegExp(`<td>POST</td><td class="mono">/v2/Flows/${flow}/Executions</td>\\s*<td>400 <span class="muted">\\(20001\\)</span></td>\\s*<td><details id="req-RQ[0-9a-f]{32}"><summary>To</summary><pre>\\{\\s*&quot;To&quot;: &quot;\\+15550002222&quot;\\s*\\}</pre></details></td>`))
  assert.match(journal, new RegExp(`<td>POST</td><td class="mono">/v2/Flows/${flow}</td>\\s*<td>200</td>\\s*<td><details id="req-RQ[0-9a-f]{32}"><summary>Status, CommitMessage</summary><pre>[^<]*&quot;CommitMessage&quot;: &quot;back to draft&quot;`))
})

test('the change stream tells a page that reconnects to reload everything when it missed changes or the emulator restarted since', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  /** What the stream sends first, up to its hello, to a page that last saw `lastId` (then the page goes). */
  const opening = async (lastId?: string): Promise<string> => await new Promise((resolve, reject) => {
    const req = get(`http://127.0.0.1:${port}${UI}/stream`, { headers: { accept: 'text/event-stream', ...(lastId !== undefined && { 'last-event-id': lastId }) } }, (res) => {
      assert.equal(res.statusCode, 200)
      let text = ''
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8')
        if (text.includes('event: hello')) { req.destroy(); resolve(text) }
      })
    })
    req.on('error', reject)
  })
  const fresh = await opening()
  assert.doesNotMatch(fresh, /event: reload/, 'a first connection')
  assert.match(fresh, /^retry: 1000$/m, 'a dropped connection is tried again after a second')
  const id = /^id: ([0-9a-f]{12}\.\d+)$/m.exec(fresh)?.[1] as string
  assert.ok(id !== undefined, fresh)
  assert.doesNotMatch(await opening(id), /event: reload/, 'nothing changed since')
  assert.equal((await act(app, 'clock', { advance_ms: '1000' })).status, 204)
  await new Promise(resolve => setImmediate(resolve)) // the change goes out (and is numbered) after its turn
  const missed = await opening(id)
  assert.match(missed, /event: reload\ndata: \{"topics":\["executions","journal","clock","rules","events","flows"\]\}/, 'a change since')
  const now = /^id: (\S+)$/m.exec(missed)?.[1] as string
  assert.notEqual(now, id)
  assert.doesNotMatch(await opening(now), /event: reload/)
  // An id another start of the emulator gave (its changes numbered from 0 again) or not one of ours: reload.
  const [, n] = now.split('.')
  for (const other of [`000000000000.${n as string}`, `${'f'.repeat(12)}.0`, '1', 'nonsense']) assert.match(await opening(other), /event: reload/, other)
})

test('a delivery attempt is announced on the change stream, so an open events page follows delivery states live', async (t) => {
  const s = await sink(t, () => 'hang')
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry: { initialMs: 60_000, maxMs: 60_000, timeoutMs: 300 } })
  const flow = await publish(app, askDefinition(), 'Survey')
  await start(app, flow, { To: '+15550001111' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  // After the stream's hello, the next thing it says: the attempt that timed out was recorded.
  const next = await new Promise<string>((resolve, reject) => {
    const req = get(`http://127.0.0.1:${port}${UI}/stream`, { headers: { accept: 'text/event-stream' } }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8')
        const after = text.split('event: hello')[1]
        if (after !== undefined && after.includes('event: change')) { req.destroy(); resolve(after) }
      })
    })
    req.on('error', reject)
    setTimeout(() => { req.destroy(); resolve('nothing within 5 s') }, 5_000)
  })
  assert.match(next, /event: change\ndata: \{"topics":\["events"\]\}/)
  assert.ok((await outbox(app)).events.some((e: any) => /did not answer within 300 ms/.test(e.last_error ?? '')))
})
