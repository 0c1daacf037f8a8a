// The inspector in a real browser: headless Chromium (Debian's `chromium`) driven by playwright-core against an
// emulator process. A person opens the page, a flow is started over REST and appears live, they open it, reply as
// the contact, see the next step and message arrive, advance the clock past a timeout, read the journal, play a
// call, and sign in when STUDIO_ADMIN_TOKEN is set. Changes made outside the page (REST, the flow's webhook) show up
// without a reload, also in a tab that was frozen or reconnecting to a restarted emulator; every control has an
// accessible name, the page works from the keyboard and keeps its focus across live reloads; every action of the page
// (start, end, hang up, retry events, the clock, filters, paging, Reset) works in the browser. No console errors, no
// failed requests, no request to any host but the emulator. Without Chromium the tests skip, saying why; with
// STUDIO_BROWSER_TESTS=required they fail instead (.ci/run sets it once Chromium is there, so in CI they always run,
// and a CI machine that cannot install Chromium says so and skips). Each emulator takes a free port.
// SCREENSHOTS_DIR=docs/screenshots saves the main views.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ROOT, startEmulator } from '../support/properties.js'

const REQUIRED = process.env.STUDIO_BROWSER_TESTS === 'required'
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => existsSync(p))
const missing = CHROMIUM === undefined
  ? 'Chromium not found (install Debian\'s chromium, or set CHROMIUM_PATH)'
  : existsSync(CHROMIUM) ? undefined : `CHROMIUM_PATH=${CHROMIUM} does not exist (install Debian's chromium, or set CHROMIUM_PATH to it)`
// Skipped on a machine without Chromium; when they are required a missing Chromium fails every one (browser() throws).
const skip = missing !== undefined && !REQUIRED ? `${missing}: browser tests skipped` : false
if (skip !== false) console.log(`# ${skip}`)

const ACCOUNT = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const BASIC = 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')
const FLOWS = join(import.meta.dirname, '..', 'fixtures', 'flows')
const SHOTS = process.env.SCREENSHOTS_DIR
const UI = '/__emulator/ui'

async function browser (t: TestContext): Promise<Browser> {
  if (missing !== undefined) throw new Error(`${missing}: STUDIO_BROWSER_TESTS=required, so the browser tests fail instead of skipping`)
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.after(async () => { await b.close() })
  return b
}

interface Opened {
  page: Page
  /** Console errors, page errors and failed requests. */
  problems: string[]
  /** Requests to any host but the emulator's (aborted). */
  offsite: string[]
}

/**
 * A page that records console errors and failed requests, and aborts (and records) every request to a host other
 * than the emulator's (as 127.0.0.1 or localhost): the page must work offline. `clean()` asserts none happened.
 */
async function open (b: Browser, t: TestContext, base: string): Promise<Opened> {
  const context = await b.newContext({ viewport: { width: 1366, height: 900 } })
  t.after(async () => { await context.close() })
  const port = new URL(base).port
  const offsite: string[] = []
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url())
    if (url.port === port && (url.hostname === '127.0.0.1' || url.hostname === 'localhost')) return await route.continue()
    offsite.push(url.href)
    await route.abort('blockedbyclient')
  })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.on('pageerror', e => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? ''
    // Deliberate aborts: the offsite requests above (recorded apart), and what the page cancels when it is left or
    // replaces a region (its change stream, a region's reload: GETs).
    if (error === 'net::ERR_BLOCKED_BY_CLIENT' && offsite.includes(r.url())) return
    if (error === 'net::ERR_ABORTED' && r.method() === 'GET') return
    problems.push(`request failed: ${r.method()} ${r.url()} (${error})`)
  })
  return { page, problems, offsite }
}

/** A browser page and a new emulator (`--db :memory:` and `args`, killed after the test), the page not yet opened anywhere. */
async function session (t: TestContext, args: string[] = [], env: Record<string, string> = {}) {
  const b = await browser(t)
  const emulator = startEmulator(['--db', ':memory:', ...args], env)
  t.after(emulator.kill)
  const base = await emulator.url()
  const opened = await open(b, t, base)
  return { emulator, base, opened, page: opened.page }
}

/** The page is live and no region is reloading (aria-busy), so what a test types is not swapped away under it. */
async function ready (page: Page): Promise<void> {
  await page.getByText('live', { exact: true }).waitFor()
  await page.waitForFunction('document.querySelector(\'[aria-busy="true"]\') === null')
}

function clean ({ problems, offsite }: Opened, allowed?: RegExp): void {
  assert.deepEqual(problems.filter(p => allowed === undefined || !allowed.test(p)), [], 'no console errors, no failed requests')
  assert.deepEqual(offsite, [], 'no request left the emulator')
}

async function shot (page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
}

async function api (base: string, path: string, fields: Record<string, string>, auth = true): Promise<any> {
  const res = await fetch(base + path, { method: 'POST', headers: { ...(auth && { authorization: BASIC }), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
  const body = await res.text()
  assert.ok(res.ok, `${path}: ${res.status} ${body}`)
  return body.startsWith('{') ? JSON.parse(body) : body
}

async function flowNamed (base: string, name: string): Promise<string> {
  const flows = ((await (await fetch(`${base}/v2/Flows`, { headers: { authorization: BASIC } })).json()) as { flows: any[] }).flows
  return flows.find(f => f.friendly_name === name).sid
}

/**
 * Controls without an accessible name (from aria-labelledby, aria-label, their labels or their text), and aria-labels
 * that do not contain the visible text (WCAG 2.5.3). Plain JavaScript run in the page.
 */
const UNNAMED_CONTROLS = `(() => {
  const text = (el) => ((el && el.textContent) || '').replace(/\\s+/g, ' ').trim()
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby')
    if (by !== null) return by.split(/\\s+/).map(id => text(document.getElementById(id))).join(' ').trim()
    const aria = (el.getAttribute('aria-label') || '').trim()
    if (aria !== '') return aria
    if (el.labels && el.labels.length > 0) return [...el.labels].map(text).join(' ').trim()
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) return el.value.trim()
    if (el.matches('button, a')) return text(el) || (el.getAttribute('title') || '').trim()
    return (el.getAttribute('title') || '').trim()
  }
  const out = []
  for (const el of document.querySelectorAll('button, input:not([type="hidden"]), select, textarea, a[href]')) {
    const name = nameOf(el)
    if (name === '') out.push('no name: ' + el.outerHTML.slice(0, 160))
    const visible = el.matches('button, a') ? text(el) : ''
    if (el.hasAttribute('aria-label') && !name.toLowerCase().includes(visible.toLowerCase())) out.push('"' + name + '" does not contain its visible text "' + visible + '"')
  }
  return out
})()`

async function unnamedControls (page: Page): Promise<string[]> {
  return await page.evaluate(UNNAMED_CONTROLS)
}

test('watch and drive a flow: live list, reply as the contact, the clock past a timeout, the journal', { skip }, async (t) => {
  const { base, opened, page } = await session(t, ['--flows-dir', FLOWS])

  await page.goto(base + '/')
  assert.equal(new URL(page.url()).pathname, `${UI}/`, 'GET / redirects to the inspector')
  await ready(page)

  // Started over REST by a client: it appears without a reload.
  const ask = await flowNamed(base, 'ask')
  const first = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550001111', From: '+15559990000' })
  const row = page.locator(`tr[data-execution="${first.sid as string}"]`)
  await row.waitFor()
  assert.match(await row.innerText(), /active/)
  await shot(page, 'executions')

  // Open it: the question went out; reply as the contact.
  await row.getByRole('link', { name: first.sid }).click()
  await page.locator('ol.timeline li.out', { hasText: 'What is your name?' }).waitFor()
  const replyBox = page.getByRole('textbox', { name: 'Reply as contact' })
  await replyBox.fill('Ada')
  await page.getByRole('button', { name: 'Send' }).click()
  await page.locator('ol.timeline li.out', { hasText: 'Thanks Ada' }).waitFor()
  await page.locator('ol.timeline summary', { hasText: 'incomingMessage' }).first().waitFor()
  assert.equal(await page.locator('.flow-graph [data-widget="Thanks"].passed').count(), 1, 'the graph highlights the widgets passed')
  assert.match(await page.locator('.status').first().innerText(), /ended/)
  await shot(page, 'execution')

  // A second one times out when the clock moves past Ask's 600 s.
  const second = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550002222', From: '+15559990000' })
  await page.goto(`${base}${UI}/executions/${second.sid as string}`)
  await page.getByRole('button', { name: '+1 h: advance clock 1 hour' }).click()
  await page.locator('ol.timeline li.out', { hasText: 'No answer, bye' }).waitFor()
  await page.locator('ol.timeline summary', { hasText: 'timeout' }).first().waitFor()

  // The journal shows the creates.
  await page.getByRole('link', { name: 'Journal' }).click()
  await page.getByText(`/v2/Flows/${ask}/Executions`).first().waitFor()
  await shot(page, 'journal')

  // The flow's page draws its definition, with widget names as text.
  await page.goto(`${base}${UI}/flows/${ACCOUNT}/${ask}`)
  await page.locator('.flow-graph [data-widget="Ask"]').waitFor()
  assert.ok((await page.locator('.flow-graph').innerHTML()).includes('Thanks'))
  await shot(page, 'flow')
  clean(opened)

  // A bad action is shown as the API's error, and changes nothing.
  await page.getByRole('button', { name: 'Start over REST' }).click() // required fields empty: the browser refuses
  await page.getByLabel('To (contact)').fill('+15550003333')
  await page.getByLabel('From (flow\'s number)').fill('+15559990000')
  await page.getByLabel('Parameters (JSON)').fill('{not json')
  await page.getByRole('button', { name: 'Start over REST' }).click()
  await page.getByRole('alert').getByText(/Parameters/).waitFor()
  // The browser and htmx log the refused request, and nothing else.
  clean(opened, /status of 400|Code 400 from \/__emulator\/ui\/actions\/executions/)
  const list = (await (await fetch(`${base}/v2/Flows/${ask}/Executions`, { headers: { authorization: BASIC } })).json()) as { executions: unknown[] }
  assert.equal(list.executions.length, 2, 'the refused start stored nothing')
})

test('live from outside the page: REST creates, the contact\'s SMS to the webhook and the journal show up without a reload, also in a tab that was frozen', { skip }, async (t) => {
  const { base, opened, page } = await session(t, ['--flows-dir', FLOWS])
  const ask = await flowNamed(base, 'ask')
  /** A mark in the page's window: gone if the page reloaded. */
  const mark = async () => { await page.evaluate('window.notReloaded = true') }
  const stillMarked = async () => await page.evaluate('window.notReloaded === true')

  await page.goto(`${base}${UI}/`)
  await ready(page)
  await mark()
  const created = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550001111', From: '+15559990000' })
  await page.locator(`tr[data-execution="${created.sid as string}"]`).waitFor()

  // The execution's page, while the contact answers by SMS to the flow's webhook (as Twilio would post it).
  await page.goto(`${base}${UI}/executions/${created.sid as string}`)
  await ready(page)
  await page.locator('ol.timeline li.out', { hasText: 'What is your name?' }).waitFor()
  await mark()
  await api(base, `/v1/Accounts/${ACCOUNT}/Flows/${ask}`, { From: '+15550001111', To: '+15559990000', Body: 'Grace' }, false)
  await page.locator('ol.timeline li.in', { hasText: 'Grace' }).waitFor()
  await page.locator('ol.timeline li.out', { hasText: 'Thanks Grace' }).waitFor()
  await page.locator('ol.timeline summary', { hasText: 'incomingMessage' }).first().waitFor()
  assert.ok(await stillMarked(), 'no reload')

  // The journal page gets the next request.
  await page.goto(`${base}${UI}/journal`)
  await ready(page)
  await mark()
  const journalRows = page.locator('#journal tbody tr', { hasText: `/v2/Flows/${ask}/Executions` })
  const before = await journalRows.count()
  await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550002222', From: '+15559990000' })
  await page.waitForFunction(`document.querySelectorAll('#journal tbody tr').length > ${await page.locator('#journal tbody tr').count()}`)
  assert.equal(await journalRows.count(), before + 1)
  assert.ok(await stillMarked(), 'no reload')

  // The flows page gets a flow created over REST.
  await page.goto(`${base}${UI}/flows`)
  await ready(page)
  await mark()
  const definition = { description: 'new', states: [{ name: 'Trigger', type: 'trigger', properties: {}, transitions: [] }], initial_state: 'Trigger', flags: {} }
  await api(base, '/v2/Flows', { FriendlyName: 'Made over REST', Status: 'draft', Definition: JSON.stringify(definition) })
  await page.locator('#flows', { hasText: 'Made over REST' }).waitFor()
  assert.ok(await stillMarked(), 'no reload')

  // A frozen tab (as a browser freezes a background tab) catches up when it is thawed.
  await page.goto(`${base}${UI}/`)
  await ready(page)
  await mark()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
  const whileFrozen = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550003333', From: '+15559990000' })
  await new Promise(resolve => setTimeout(resolve, 500))
  await cdp.send('Page.setWebLifecycleState', { state: 'active' })
  await page.locator(`tr[data-execution="${whileFrozen.sid as string}"]`).waitFor()
  assert.ok(await stillMarked(), 'caught up without a reload')
  clean(opened)
})

test('accessible: every control on every page has a name containing its visible text; the page works from the keyboard', { skip }, async (t) => {
  // An Event Streams sink, so that the events page has events to show.
  const sink = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()) })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { sink.close(() => resolve()); sink.closeAllConnections() }))
  const { base, opened, page } = await session(t, ['--flows-dir', FLOWS], { STUDIO_EVENTS_URL: `http://127.0.0.1:${(sink.address() as { port: number }).port}/events` })
  const ask = await flowNamed(base, 'ask')
  const waiting = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550001111', From: '+15559990000' })

  const pages = ['/', '/flows', `/flows/${ACCOUNT}/${ask}`, `/executions/${waiting.sid as string}`, '/journal', '/events', '/rules']
  for (const path of pages) {
    await page.goto(`${base}${UI}${path}`)
    await ready(page)
    await page.getByRole('button', { name: 'Advance clock', exact: true }).waitFor() // the clock region has loaded
    assert.deepEqual(await unnamedControls(page), [], path)
    assert.equal(await page.getByRole('button', { name: 'Reset', exact: true }).count(), 1, `${path}: Reset`)
    for (const [label, words] of [['+1 min', '1 minute'], ['+1 h', '1 hour'], ['+1 day', '1 day']]) {
      assert.equal(await page.getByRole('button', { name: `${label as string}: advance clock ${words as string}`, exact: true }).count(), 1, `${path}: ${label as string}`)
    }
    assert.equal(await page.getByRole('spinbutton', { name: 'Minutes to advance' }).count(), 1)
  }

  // The rules page with a fault and a choice added through its forms.
  await page.goto(`${base}${UI}/rules`)
  await ready(page)
  const fault = page.getByRole('form', { name: 'Add a fault rule' })
  await fault.getByRole('textbox', { name: 'Path' }).fill('/v2/Flows/*/Executions')
  await fault.getByRole('spinbutton', { name: 'Status' }).fill('503')
  await page.getByRole('button', { name: 'Add fault' }).click()
  await page.getByRole('cell', { name: '/v2/Flows/*/Executions' }).waitFor()
  const choice = page.getByRole('form', { name: 'Choose a widget\'s event' })
  await choice.getByRole('textbox', { name: 'Widget' }).fill('Ask')
  await choice.getByRole('textbox', { name: 'Event' }).fill('deliveryFailure')
  await page.getByRole('button', { name: 'Add choice' }).click()
  await page.getByRole('cell', { name: 'deliveryFailure' }).waitFor()
  assert.deepEqual(await unnamedControls(page), [], 'rules, with rules')
  await shot(page, 'rules')
  // What a person is typing survives the region's reload when a rule is added from elsewhere.
  await fault.getByRole('textbox', { name: 'Path' }).fill('/v1/Flows/*')
  const outside = await fetch(`${base}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/v2/Flows/*', status: 500 }) })
  assert.equal(outside.status, 201)
  await page.getByRole('cell', { name: '/v2/Flows/*', exact: true }).waitFor()
  assert.equal(await fault.getByRole('textbox', { name: 'Path' }).inputValue(), '/v1/Flows/*')
  await page.getByRole('button', { name: 'Clear faults' }).click()
  await page.getByRole('button', { name: 'Clear choices' }).click()
  await page.getByText('No choices.').waitFor()
  await page.goto(`${base}${UI}/events`)
  await page.locator('#events td', { hasText: 'delivered' }).first().waitFor()
  await shot(page, 'events')

  // The keyboard alone: Tab to the reply box, type, Enter.
  await page.goto(`${base}${UI}/executions/${waiting.sid as string}`)
  await ready(page)
  assert.equal(await page.getByRole('button', { name: 'End execution', exact: true }).count(), 1)
  let tabs = 0
  for (; tabs < 60 && await page.evaluate('document.activeElement && document.activeElement.id') !== 'reply-body'; tabs++) await page.keyboard.press('Tab')
  assert.equal(await page.evaluate('document.activeElement.getAttribute("aria-label")'), 'Reply as contact', `Tab reaches the reply box (${tabs} presses)`)
  await page.keyboard.type('Ada')
  await page.keyboard.press('Enter')
  await page.locator('ol.timeline li.out', { hasText: 'Thanks Ada' }).waitFor()
  await page.getByText('Reply sent.').waitFor()
  clean(opened)
})

test('play a call from the page: start it, press digits, see what the caller heard', { skip }, async (t) => {
  const { base, opened, page } = await session(t)
  const definition = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ivr.json'), 'utf8')
  const ivr = await api(base, '/v2/Flows', { FriendlyName: 'IVR', Status: 'published', Definition: definition })
  await page.goto(`${base}${UI}/flows/${ACCOUNT}/${ivr.sid as string}`)
  await page.getByLabel('From (caller)').fill('+15551112222')
  await page.getByRole('form', { name: 'Start by call' }).getByLabel('To (flow\'s number)').fill('+15553334444')
  await page.getByRole('button', { name: 'Call the flow' }).click()
  await page.waitForURL(/\/executions\/FN/)
  await page.locator('ol.timeline li.call', { hasText: 'Press 1 or say sales for sales' }).waitFor()
  await page.getByRole('textbox', { name: 'Press digits' }).fill('1')
  await page.getByRole('button', { name: 'Press' }).click()
  await page.locator('ol.timeline li.call', { hasText: 'Sales is closed today' }).waitFor()
  await page.locator('ol.timeline li.in', { hasText: 'pressed 1' }).waitFor()
  await shot(page, 'call')
  clean(opened)
})

test('with STUDIO_ADMIN_TOKEN the page asks for the token and keeps it for the session', { skip }, async (t) => {
  const { base, opened, page } = await session(t, [], { STUDIO_ADMIN_TOKEN: 'sesame-0123456789' })
  await page.goto(`${base}${UI}/`)
  assert.equal(new URL(page.url()).pathname, `${UI}/login`)
  assert.deepEqual(await unnamedControls(page), [], 'the sign-in page')
  await page.getByLabel('Admin token').fill('wrong')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').waitFor()
  await page.getByLabel('Admin token').fill('sesame-0123456789')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Executions' }).waitFor()
  await ready(page)
  // The session cookie opens the other pages too.
  await page.getByRole('link', { name: 'Flows' }).click()
  await page.getByRole('heading', { name: 'Flows' }).waitFor()
  // The control API itself still wants the bearer token.
  assert.equal((await fetch(`${base}/__emulator/outbox`)).status, 401)
  // The wrong token's page is a 401: the browser logs it, and nothing else.
  clean(opened, /status of 401/)
})

test('a browser app on another origin calls the API with Basic auth (CORS preflight and answer), and can neither read nor change the emulator through its control API or inspector', { skip }, async (t) => {
  const { base, opened } = await session(t)
  // The page is served as localhost; the API is called as 127.0.0.1: another origin, so the browser preflights.
  await opened.page.goto(base.replace('127.0.0.1', 'localhost') + `${UI}/`)
  const answer = await opened.page.evaluate(async ({ url, auth }) => {
    const res = await fetch(url, { headers: { Authorization: auth } })
    return { status: res.status, body: await res.json() as { flows: unknown[] } }
  }, { url: `${base}/v2/Flows`, auth: BASIC })
  assert.equal(answer.status, 200)
  assert.deepEqual(answer.body.flows, [])
  clean(opened)

  // The control API and the inspector are not Twilio's API: that page can neither read them nor change anything.
  const flow = await api(base, '/v2/Flows', { FriendlyName: 'Kept', Status: 'draft', Definition: JSON.stringify({ description: 'kept', states: [{ name: 'Trigger', type: 'trigger', properties: {}, transitions: [] }], initial_state: 'Trigger', flags: {} }) })
  const reads = await opened.page.evaluate(async (urls) => await Promise.all(urls.map(async url => await fetch(url).then(async res => `read ${res.status}: ${(await res.text()).slice(0, 40)}`, () => 'blocked'))), [`${base}${UI}/journal`, `${base}/__emulator/snapshot`, `${base}/__emulator/requests`])
  assert.deepEqual(reads, ['blocked', 'blocked', 'blocked'], 'CORS keeps the answers from the other origin')
  // A form-like post needs no preflight, so it reaches the emulator: refused there (403) before it changes anything.
  const refused: number[] = []
  opened.page.on('response', (r) => { if (r.request().method() === 'POST') refused.push(r.status()) })
  const posts = await opened.page.evaluate(async (urls) => await Promise.all(urls.map(async url => await fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }).then(res => res.type, () => 'failed'))), [`${base}/__emulator/reset`, `${base}${UI}/actions/reset`])
  assert.deepEqual(posts, ['opaque', 'opaque'], 'sent (the page sees nothing of the answer)')
  await opened.page.waitForFunction('performance.getEntriesByType("resource").filter(e => e.name.endsWith("/reset")).length === 2')
  for (let i = 0; i < 50 && refused.length < 2; i++) await new Promise(resolve => setTimeout(resolve, 20))
  assert.deepEqual(refused, [403, 403], 'the emulator refused both')
  const kept = (await (await fetch(`${base}/v2/Flows`, { headers: { authorization: BASIC } })).json()) as { flows: Array<{ sid: string }> }
  assert.deepEqual(kept.flows.map(f => f.sid), [flow.sid], 'nothing was reset')
  // The browser says it blocked the reads and was refused the posts, and nothing else went wrong.
  clean(opened, /blocked by CORS policy|Failed to load resource: (net::ERR_FAILED|the server responded with a status of 403)|request failed: (GET http:\/\/127\.0\.0\.1:\d+\/__emulator\/(ui\/journal|snapshot|requests) \(net::ERR_FAILED\)|POST http:\/\/127\.0\.0\.1:\d+\/__emulator\/(ui\/actions\/)?reset \(net::ERR_ABORTED\))/)
  // The offline guard itself: a request to any other host is aborted and recorded.
  assert.equal(await opened.page.evaluate('fetch("http://192.0.2.1/elsewhere").then(() => "answered", () => "refused")'), 'refused')
  assert.deepEqual(opened.offsite, ['http://192.0.2.1/elsewhere'])
})

test('a page reconnecting to a restarted emulator shows the new process\'s data, without a reload', { skip }, async (t) => {
  const { base, opened, page, emulator: first } = await session(t, ['--flows-dir', FLOWS])
  const ask = await flowNamed(base, 'ask')
  const created = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550001111', From: '+15559990000' })
  await page.goto(`${base}${UI}/`)
  await ready(page)
  await page.locator(`tr[data-execution="${created.sid as string}"]`).waitFor()
  await page.evaluate('window.notReloaded = true')

  // The emulator stops; another starts on the same port with an empty database (its changes numbered from 0 again).
  await first.kill()
  await page.getByText('reconnecting…').waitFor()
  await page.getByRole('button', { name: '+1 min: advance clock 1 minute' }).click()
  await page.getByRole('alert').getByText('The emulator did not answer.').waitFor()
  const second = startEmulator(['--db', ':memory:', '--port', new URL(base).port])
  t.after(second.kill)
  assert.equal(await second.url(), base)
  await page.getByText('No executions yet', { exact: false }).waitFor()
  assert.equal(await page.locator('tr[data-execution]').count(), 0, 'the old process\'s executions are gone from the page')
  assert.ok(await page.evaluate('window.notReloaded === true'), 'no reload')
  await ready(page)
  await page.waitForFunction('document.getElementById("errors").textContent === ""') // it answers again
  // While the emulator was down its change stream broke, and what the page asked for then (reconnections, the clock
  // button, maybe a region's reload) was refused; nothing else failed.
  clean(opened, /\/__emulator\/ui\/stream|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|htmx:(afterRequest|sendError)/)
})

test('keyboard focus stays on its control when a live region reloads, and goes to the notice when an action removed it', { skip }, async (t) => {
  const { base, opened, page } = await session(t, ['--flows-dir', FLOWS])
  const ask = await flowNamed(base, 'ask')
  const first = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550001111', From: '+15559990000' })
  const focused = async (): Promise<string> => await page.evaluate('(() => { const a = document.activeElement; return a === null ? "" : a.tagName + (a.id ? "#" + a.id : "") + " " + (a.getAttribute("href") || a.textContent.trim().slice(0, 60)) })()')
  /** Tabs until the focused element matches. */
  const tabTo = async (what: RegExp) => {
    for (let i = 0; i < 80 && !what.test(await focused()); i++) await page.keyboard.press('Tab')
    assert.match(await focused(), what)
  }

  // An execution's link in the list keeps the focus while a new execution comes in above it.
  await page.goto(`${base}${UI}/`)
  await ready(page)
  const link = `${UI}/executions/${first.sid as string}`
  await tabTo(new RegExp(`^A ${link}$`))
  const second = await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550002222', From: '+15559990000' })
  await page.locator(`tr[data-execution="${second.sid as string}"]`).waitFor()
  await ready(page)
  assert.equal(await focused(), `A ${link}`, 'still on the link')

  // A step's <summary> keeps it while the contact's reply adds steps.
  await page.goto(`${base}${UI}/executions/${first.sid as string}`)
  await ready(page)
  await tabTo(/^SUMMARY .*Trigger → Ask/)
  const summary = await focused()
  await api(base, `/v1/Accounts/${ACCOUNT}/Flows/${ask}`, { From: '+15550001111', To: '+15559990000', Body: 'Grace' }, false)
  await page.locator('ol.timeline summary', { hasText: 'incomingMessage' }).first().waitFor()
  await ready(page)
  assert.equal(await focused(), summary, 'still on the step')

  // "End execution" from the keyboard: its button goes with the execution's actions, and the focus to the notice.
  await page.goto(`${base}${UI}/executions/${second.sid as string}`)
  await ready(page)
  await tabTo(/^BUTTON End execution$/)
  await page.keyboard.press('Enter')
  await page.getByText('Execution ended.').waitFor()
  await page.locator('#execution .status', { hasText: 'ended' }).first().waitFor()
  await ready(page)
  assert.equal(await page.getByRole('button', { name: 'End execution' }).count(), 0)
  assert.equal(await focused(), 'DIV#notice Execution ended.', 'on the notice that says what happened')
  clean(opened)
})

test('every action of the page in a browser: start over REST and by SMS, end, hang up, retry events, the clock, filters, paging, Reset', { skip }, async (t) => {
  // An Event Streams sink that fails until the test lets it answer.
  let up = false
  const sink = createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(up ? 204 : 503).end()) })
  await new Promise<void>(resolve => sink.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { sink.close(() => resolve()); sink.closeAllConnections() }))
  const { base, opened, page } = await session(t, ['--flows-dir', FLOWS], { STUDIO_EVENTS_URL: `http://127.0.0.1:${(sink.address() as { port: number }).port}/events` })
  const ask = await flowNamed(base, 'ask')
  const flowNames = async () => ((await (await fetch(`${base}/v2/Flows`, { headers: { authorization: BASIC } })).json()) as { flows: Array<{ friendly_name: string }> }).flows.map(f => f.friendly_name).sort()
  const folder = await flowNames()
  const control = async (path: string, body?: unknown) => await (await fetch(`${base}/__emulator/${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as any
  // A frozen clock: a failed event is retried only when asked (or when the clock moves).
  await control('clock', { freeze: true })
  const sidOf = (url: string) => /\/executions\/(FN[0-9a-f]{32})$/.exec(url)?.[1] as string

  // Start over REST from the flow's page: the page goes to the new execution.
  await page.goto(`${base}${UI}/flows/${ACCOUNT}/${ask}`)
  await ready(page)
  const rest = page.getByRole('form', { name: 'Start over REST' })
  await rest.getByLabel('To (contact)').fill('+15550000001')
  await rest.getByLabel('From (flow\'s number)').fill('+15559990000')
  await rest.getByLabel('Parameters (JSON)').fill('{"name":"Ada"}')
  await rest.getByRole('button', { name: 'Start over REST' }).click()
  await page.waitForURL(/\/executions\/FN[0-9a-f]{32}$/)
  const overRest = sidOf(page.url())
  await page.locator('ol.timeline li.out', { hasText: 'What is your name?' }).waitFor()
  await page.locator('#ctx\\.flow\\.data', { hasText: 'Ada' }).waitFor()

  // Send SMS: the contact's message starts an execution, which asks its question.
  await page.goto(`${base}${UI}/flows/${ACCOUNT}/${ask}`)
  await ready(page)
  const sms = page.getByRole('form', { name: 'Start by SMS' })
  await sms.getByLabel('From (contact)').fill('+15550000002')
  await sms.getByLabel('To (flow\'s number)').fill('+15559990000')
  await sms.getByLabel('Body').fill('hi there')
  await sms.getByRole('button', { name: 'Send SMS' }).click()
  await page.waitForURL(/\/executions\/FN[0-9a-f]{32}$/)
  const bySms = sidOf(page.url())
  assert.notEqual(bySms, overRest)
  await page.locator('ol.timeline li.in', { hasText: 'hi there' }).waitFor()
  await page.locator('ol.timeline li.out', { hasText: 'What is your name?' }).waitFor()

  // End execution.
  await ready(page)
  await page.getByRole('button', { name: 'End execution' }).click()
  await page.getByText('Execution ended.').waitFor()
  await page.locator('#execution .status', { hasText: 'ended' }).first().waitFor()
  assert.equal((await (await fetch(`${base}/v2/Flows/${ask}/Executions/${bySms}`, { headers: { authorization: BASIC } })).json() as { status: string }).status, 'ended')

  // Hang up a call.
  const ivr = await api(base, '/v2/Flows', { FriendlyName: 'IVR', Status: 'published', Definition: readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ivr.json'), 'utf8') })
  await page.goto(`${base}${UI}/flows/${ACCOUNT}/${ivr.sid as string}`)
  await ready(page)
  const byCall = page.getByRole('form', { name: 'Start by call' })
  await byCall.getByLabel('From (caller)').fill('+15550000003')
  await byCall.getByLabel('To (flow\'s number)').fill('+15553334444')
  await byCall.getByRole('button', { name: 'Call the flow' }).click()
  await page.waitForURL(/\/executions\/FN[0-9a-f]{32}$/)
  const onCall = sidOf(page.url())
  await page.locator('ol.timeline li.call', { hasText: 'Press 1 or say sales for sales' }).waitFor()
  await ready(page)
  await page.getByRole('button', { name: 'Hang up' }).click()
  await page.getByText('Call hung up.').waitFor()
  await page.locator('#execution td', { hasText: 'completed' }).waitFor()
  await ready(page)
  assert.equal(await page.getByRole('button', { name: 'Hang up' }).count(), 0, 'no live call any more')
  assert.deepEqual(((await control(`calls?execution=${onCall}`)).calls as Array<{ status: string }>).map(c => c.status), ['completed'])

  // Retry pending now: the sink refused every event (503); the clock stands still, so they wait until asked.
  await page.goto(`${base}${UI}/events`)
  const failed = async () => await page.evaluate('[...document.querySelectorAll("#events tbody tr")].map(r => [...r.cells].map(c => c.textContent.trim()))') as string[][]
  for (let i = 0; i < 100; i++) {
    const rows = await failed()
    if (rows.length > 0 && rows.every(r => r[3] === 'pending' && Number(r[4]) >= 1 && (r[5] ?? '').includes('503'))) break
    await page.waitForTimeout(100)
    await page.reload()
  }
  const rows = await failed()
  assert.ok(rows.length > 0 && rows.every(r => r[3] === 'pending' && Number(r[4]) >= 1), JSON.stringify(rows))
  await ready(page)
  up = true
  await page.getByRole('button', { name: 'Retry pending now' }).click()
  await page.getByText('Pending events retried.').waitFor()
  // A delivery's outcome is not announced to open pages (only what the emulator's writer commits is): look again.
  for (let i = 0; i < 100 && !(await failed()).every(r => r[3] === 'delivered'); i++) {
    await page.waitForTimeout(100)
    await page.reload()
  }
  await page.getByText(`${rows.length} events, 0 pending`).waitFor()
  assert.ok((await failed()).every(r => r[3] === 'delivered'))
  assert.equal(await page.getByRole('button', { name: 'Retry pending now' }).count(), 0)

  // The clock: +1 min, +1 day and a number of minutes, each by exactly that much (it is frozen).
  const clockNow = async () => (await control('clock')).now as string
  for (const [button, done, ms] of [['+1 min: advance clock 1 minute', 'Clock advanced 1 minute.', 60_000], ['+1 day: advance clock 1 day', 'Clock advanced 1 day.', 86_400_000]] as const) {
    const before = Date.parse(await clockNow())
    await ready(page) // not while the clock region reloads (after the page's own reloads above): the click would be lost
    await page.getByRole('button', { name: button }).click()
    await page.getByText(done).waitFor()
    assert.equal(Date.parse(await clockNow()) - before, ms, button)
    await page.locator(`#clock time[datetime="${new Date(before + ms).toISOString()}"]`).waitFor()
    await page.evaluate('document.getElementById("notice").textContent = ""')
  }
  const before = Date.parse(await clockNow())
  await ready(page)
  await page.getByRole('spinbutton', { name: 'Minutes to advance' }).fill('2.5')
  await page.getByRole('button', { name: 'Advance clock', exact: true }).click()
  await page.getByText('Clock advanced.').waitFor()
  assert.equal(Date.parse(await clockNow()) - before, 150_000)
  await page.locator(`#clock time[datetime="${new Date(before + 150_000).toISOString()}"]`).waitFor()

  // Paging: 51 more executions make two pages.
  const quick = await flowNamed(base, 'Ends at once')
  for (let i = 0; i < 51; i++) await api(base, `/v2/Flows/${quick}/Executions`, { To: `+1555100${String(i).padStart(4, '0')}`, From: '+15559990000' })
  const listed = async () => await page.evaluate('[...document.querySelectorAll("tr[data-execution]")].map(r => r.getAttribute("data-execution"))') as string[]
  await page.goto(`${base}${UI}/`)
  await ready(page)
  const newest = await listed()
  assert.equal(newest.length, 50)
  await page.getByRole('link', { name: 'Older executions' }).click()
  await page.getByRole('link', { name: 'Newest' }).waitFor()
  const older = await listed()
  assert.equal(older.length, 54 - 50, 'the rest: REST, SMS, call and the first quick one')
  assert.deepEqual(new Set([...newest, ...older]).size, 54, 'no execution on both pages')
  assert.ok(older.includes(overRest) && older.includes(bySms) && older.includes(onCall))
  assert.equal(await page.getByRole('link', { name: 'Older executions' }).count(), 0)
  await page.getByRole('link', { name: 'Newest' }).click()
  await page.getByRole('link', { name: 'Older executions' }).waitFor()
  assert.deepEqual(await listed(), newest)

  // The filter form: flow, status and contact. Of ask's executions, the two first have ended (one ended from the
  // page, one timed out when the clock moved a day), a new one is active.
  const active = (await api(base, `/v2/Flows/${ask}/Executions`, { To: '+15550000009', From: '+15559990000' })).sid as string
  await page.locator(`tr[data-execution="${active}"]`).waitFor()
  await ready(page)
  const filter = page.getByRole('form', { name: 'Filter executions' })
  await filter.getByLabel('Flow').selectOption(ask)
  await filter.getByLabel('Status').selectOption('ended')
  await filter.getByRole('button', { name: 'Filter' }).click()
  await page.waitForURL(/status=ended/)
  assert.deepEqual(new URL(page.url()).searchParams.get('flow'), ask)
  assert.deepEqual(await listed(), [bySms, overRest], 'the ask flow\'s ended executions')
  await ready(page)
  await filter.getByLabel('Status').selectOption('active')
  await filter.getByRole('button', { name: 'Filter' }).click()
  await page.waitForURL(/status=active/)
  assert.deepEqual(await listed(), [active])
  await ready(page)
  await filter.getByLabel('Status').selectOption('')
  await filter.getByLabel('Contact').fill('+15550000001')
  await filter.getByRole('button', { name: 'Filter' }).click()
  await page.waitForURL(/contact=%2B15550000001/)
  assert.deepEqual(await listed(), [overRest])
  assert.equal(await filter.getByLabel('Flow').inputValue(), ask, 'the form shows the filters applied')

  // Reset asks first: dismissed, nothing is deleted; accepted, everything is, and the flows folder comes back.
  await ready(page)
  const dialogs: string[] = []
  page.once('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}) })
  await page.getByRole('button', { name: 'Reset', exact: true }).click()
  assert.equal(dialogs.length, 1)
  assert.equal(((await (await fetch(`${base}/v2/Flows/${ask}/Executions`, { headers: { authorization: BASIC } })).json()) as { executions: unknown[] }).executions.length, 3, 'dismissed: nothing deleted')
  page.once('dialog', (d) => { dialogs.push(d.message()); d.accept().catch(() => {}) })
  await page.getByRole('button', { name: 'Reset', exact: true }).click()
  await page.getByText('Reset: all data deleted.').waitFor()
  await page.getByText('No executions match these filters.').waitFor()
  assert.match(dialogs[1] as string, /Delete every flow, execution and message\?/)
  assert.deepEqual((await control('snapshot')).tables.executions, [])
  assert.deepEqual(await flowNames(), folder, 'the flows folder\'s flows, and no other (the IVR is gone)')
  clean(opened)
})

test('without Chromium the browser tests skip with a clear message, and when required they fail with it', { skip: process.env.INSPECTOR_CHILD !== undefined }, () => {
  const run = (env: Record<string, string>) => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', fileURLToPath(import.meta.url)], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', INSPECTOR_CHILD: '1', CHROMIUM_PATH: '/nonexistent/chromium', ...env },
      timeout: 60_000
    })
    return { status: child.status, output: `${child.stdout}${child.stderr}` }
  }
  const message = 'CHROMIUM_PATH=/nonexistent/chromium does not exist (install Debian\'s chromium, or set CHROMIUM_PATH to it)'
  const local = run({})
  assert.equal(local.status, 0, local.output)
  assert.ok(local.output.includes(`# ${message}: browser tests skipped`), local.output)
  assert.match(local.output, /ℹ skipped 10\b/, local.output)
  const ci = run({ STUDIO_BROWSER_TESTS: 'required' })
  assert.equal(ci.status, 1, ci.output)
  assert.ok(ci.output.includes(`${message}: STUDIO_BROWSER_TESTS=required, so the browser tests fail instead of skipping`), ci.output)
  assert.match(ci.output, /ℹ fail 9\b/, ci.output)
})
