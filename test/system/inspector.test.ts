// The inspector in a real browser: headless Chromium (Debian's `chromium`) driven by playwright-core against an
// emulator process. A person opens the page, a flow is started over REST and appears live, they open it, reply as
// the contact, see the next step and message arrive, advance the clock past a timeout, read the journal, play a
// call, and sign in when STUDIO_ADMIN_TOKEN is set; no console errors. Without Chromium the tests skip, saying
// why (.ci/run installs it, so in CI they always run). SCREENSHOTS_DIR=docs/screenshots saves the main views.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startEmulator } from '../support/properties.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => existsSync(p))
const skip = CHROMIUM === undefined ? 'Chromium not found (install Debian\'s chromium, or set CHROMIUM_PATH): browser tests skipped' : false
if (skip !== false) console.log(`# ${skip}`)

const ACCOUNT = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const BASIC = 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')
const FLOWS = join(import.meta.dirname, '..', 'fixtures', 'flows')
const SHOTS = process.env.SCREENSHOTS_DIR

async function browser (t: TestContext): Promise<Browser> {
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.after(async () => { await b.close() })
  return b
}

/** A page that records console errors and failed requests; the test asserts there were none. */
async function open (b: Browser, t: TestContext): Promise<{ page: Page, problems: string[] }> {
  const context = await b.newContext({ viewport: { width: 1366, height: 900 } })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`) })
  page.on('pageerror', e => problems.push(`page error: ${e.message}`))
  t.after(async () => { await context.close() })
  return { page, problems }
}

async function shot (page: Page, name: string): Promise<void> {
  if (SHOTS === undefined) return
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false })
}

async function api (base: string, path: string, fields: Record<string, string>): Promise<any> {
  const res = await fetch(base + path, { method: 'POST', headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
  const body = await res.text()
  assert.ok(res.ok, `${path}: ${res.status} ${body}`)
  return JSON.parse(body)
}

test('watch and drive a flow: live list, reply as the contact, the clock past a timeout, the journal', { skip }, async (t) => {
  const emulator = startEmulator(['--db', ':memory:', '--flows-dir', FLOWS])
  t.after(emulator.kill)
  const base = await emulator.url()
  const b = await browser(t)
  const { page, problems } = await open(b, t)

  await page.goto(base + '/')
  assert.equal(new URL(page.url()).pathname, '/__emulator/ui/', 'GET / redirects to the inspector')
  await page.getByText('live', { exact: true }).waitFor()

  // Started over REST by a client: it appears without a reload.
  const flows = ((await (await fetch(`${base}/v2/Flows`, { headers: { authorization: BASIC } })).json()) as { flows: any[] }).flows
  const ask = flows.find(f => f.friendly_name === 'ask')
  const first = await api(base, `/v2/Flows/${ask.sid}/Executions`, { To: '+15550001111', From: '+15559990000' })
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
  const second = await api(base, `/v2/Flows/${ask.sid}/Executions`, { To: '+15550002222', From: '+15559990000' })
  await page.goto(`${base}/__emulator/ui/executions/${second.sid as string}`)
  await page.getByRole('button', { name: 'Advance clock 1 hour' }).click()
  await page.locator('ol.timeline li.out', { hasText: 'No answer, bye' }).waitFor()
  await page.locator('ol.timeline summary', { hasText: 'timeout' }).first().waitFor()

  // The journal shows the creates.
  await page.getByRole('link', { name: 'Journal' }).click()
  await page.getByText(`/v2/Flows/${ask.sid as string}/Executions`).first().waitFor()
  await shot(page, 'journal')

  // The flow's page draws its definition, with widget names as text.
  await page.goto(`${base}/__emulator/ui/flows/${ACCOUNT}/${ask.sid as string}`)
  await page.locator('.flow-graph [data-widget="Ask"]').waitFor()
  assert.ok((await page.locator('.flow-graph').innerHTML()).includes('Thanks'))
  await shot(page, 'flow')

  assert.deepEqual(problems, [], 'no console errors')

  // A bad action is shown as the API's error, and changes nothing.
  await page.getByRole('button', { name: 'Start over REST' }).click() // required fields empty: the browser refuses
  await page.getByLabel('To (contact)').fill('+15550003333')
  await page.getByLabel('From (flow\'s number)').fill('+15559990000')
  await page.getByLabel('Parameters (JSON)').fill('{not json')
  await page.getByRole('button', { name: 'Start over REST' }).click()
  await page.getByRole('alert').getByText(/Parameters/).waitFor()
  // The browser and htmx log the refused request, and nothing else.
  assert.deepEqual(problems.filter(p => !/status of 400|Code 400 from \/__emulator\/ui\/actions\/executions/.test(p)), [])
  const list = (await (await fetch(`${base}/v2/Flows/${ask.sid as string}/Executions`, { headers: { authorization: BASIC } })).json()) as { executions: unknown[] }
  assert.equal(list.executions.length, 2, 'the refused start stored nothing')
})

test('play a call from the page: start it, press digits, see what the caller heard', { skip }, async (t) => {
  const emulator = startEmulator(['--db', ':memory:'])
  t.after(emulator.kill)
  const base = await emulator.url()
  const b = await browser(t)
  const { page, problems } = await open(b, t)
  const definition = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ivr.json'), 'utf8')
  const ivr = await api(base, '/v2/Flows', { FriendlyName: 'IVR', Status: 'published', Definition: definition })
  await page.goto(`${base}/__emulator/ui/flows/${ACCOUNT}/${ivr.sid as string}`)
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
  assert.deepEqual(problems, [])
})

test('with STUDIO_ADMIN_TOKEN the page asks for the token and keeps it for the session', { skip }, async (t) => {
  const emulator = startEmulator(['--db', ':memory:'], { STUDIO_ADMIN_TOKEN: 'sesame-0123456789' })
  t.after(emulator.kill)
  const base = await emulator.url()
  const b = await browser(t)
  const { page } = await open(b, t)
  await page.goto(`${base}/__emulator/ui/`)
  assert.equal(new URL(page.url()).pathname, '/__emulator/ui/login')
  await page.getByLabel('Admin token').fill('wrong')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('alert').waitFor()
  await page.getByLabel('Admin token').fill('sesame-0123456789')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Executions' }).waitFor()
  await page.getByText('live', { exact: true }).waitFor()
  // The session cookie opens the other pages too.
  await page.getByRole('link', { name: 'Flows' }).click()
  await page.getByRole('heading', { name: 'Flows' }).waitFor()
  // The control API itself still wants the bearer token.
  assert.equal((await fetch(`${base}/__emulator/outbox`)).status, 401)
})

test('a browser app on another origin calls the API with Basic auth (CORS preflight and answer)', { skip }, async (t) => {
  const emulator = startEmulator(['--db', ':memory:'])
  t.after(emulator.kill)
  const base = await emulator.url()
  const b = await browser(t)
  const { page, problems } = await open(b, t)
  // The page is served as localhost; the API is called as 127.0.0.1: another origin, so the browser preflights.
  await page.goto(base.replace('127.0.0.1', 'localhost') + '/__emulator/ui/')
  const answer = await page.evaluate(async ({ url, auth }) => {
    const res = await fetch(url, { headers: { Authorization: auth } })
    return { status: res.status, body: await res.json() as { flows: unknown[] } }
  }, { url: `${base}/v2/Flows`, auth: BASIC })
  assert.equal(answer.status, 200)
  assert.deepEqual(answer.body.flows, [])
  assert.deepEqual(problems, [])
})
