// What a person sees when the emulator starts (a real process): the banner (where it listens, the database, the
// accounts without their tokens, each flow with its webhook URL, the inspector), the warning when it listens beyond
// this machine without STUDIO_ADMIN_TOKEN, the warnings for an empty flows or seed folder, one log line per failing
// widget, --help aligned, and an empty PORT refused.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DEFAULT_ACCOUNT } from '../../src/config.js'
import { builtServer } from '../support/emulator-build.js'
import { startEmulator } from '../support/properties.js'

const FLOWS = join(import.meta.dirname, '..', 'fixtures', 'flows')
const ACCOUNT = 'AC' + '5'.repeat(32)
const TOKEN = 'secret-token-0123456789abcdef0123'

/** The JSON log lines of a process's output so far. */
const lines = (stdout: string): Array<Record<string, any>> => stdout.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l) as Record<string, any>)

async function until (what: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !what() && waited < ms; waited += 25) await new Promise(resolve => setTimeout(resolve, 25))
}

test('the banner names the URL, database, accounts (never their tokens), each flow with its webhook URL, and the inspector', async (t) => {
  const p = startEmulator(['--port', '0', '--db', ':memory:', '--flows-dir', FLOWS], { STUDIO_ACCOUNTS: `${ACCOUNT}:${TOKEN}` })
  t.after(p.kill)
  const base = await p.url()
  await until(() => p.output().stdout.includes('"webhook"'))
  const logged = lines(p.output().stdout)
  const messages = logged.map(l => String(l.msg))
  assert.ok(messages.includes(`Studio Emulator listening on ${base} (database :memory:)`), messages.join('\n'))
  assert.ok(messages.includes(`Inspector: ${base}/__emulator/ui/`))
  assert.ok(messages.includes(`Accounts: ${ACCOUNT}`))
  const flows = logged.filter(l => l.webhook !== undefined)
  assert.deepEqual(flows.map(l => l.name).sort(), ['Ends at once', 'ask', 'greeting'])
  for (const f of flows) assert.equal(f.webhook, `${base}/v1/Accounts/${ACCOUNT}/Flows/${String(f.flow)}`)
  assert.ok(!p.output().stdout.includes(TOKEN), 'no auth token in the log')
  assert.ok(!messages.some(m => m.includes('without STUDIO_ADMIN_TOKEN')), 'no warning on loopback')
})

test('without STUDIO_ACCOUNTS the banner names the default account by its SID, never its token', async (t) => {
  const p = startEmulator(['--port', '0', '--db', ':memory:'])
  t.after(p.kill)
  await p.url()
  await until(() => p.output().stdout.includes('STUDIO_ACCOUNTS'))
  const { stdout } = p.output()
  const line = lines(stdout).find(l => String(l.msg).includes('no STUDIO_ACCOUNTS set'))
  assert.match(String(line?.msg), /the default account ACa{32}\b/, stdout)
  assert.match(String(line?.msg), /README/, 'it says where the token is documented')
  // The token (32 a's) is also the tail of the SID (AC and 32 a's): only a token standing on its own is a leak.
  assert.doesNotMatch(stdout, new RegExp(`(?<![A-Za-z0-9])${DEFAULT_ACCOUNT.authToken}(?![A-Za-z0-9])`), 'the default auth token is not logged')
})

test('listening beyond loopback without STUDIO_ADMIN_TOKEN prints a clear warning; with the token, none', async (t) => {
  const open = startEmulator(['--port', '0', '--db', ':memory:', '--host', '0.0.0.0'])
  t.after(open.kill)
  await open.url()
  await until(() => open.output().stdout.includes('without STUDIO_ADMIN_TOKEN'))
  const warning = lines(open.output().stdout).find(l => String(l.msg).includes('without STUDIO_ADMIN_TOKEN'))
  assert.equal(warning?.level, 40)
  assert.match(String(warning?.msg), /anyone who can reach this port can read, change and reset everything/)
  const guarded = startEmulator(['--port', '0', '--db', ':memory:', '--host', '0.0.0.0'], { STUDIO_ADMIN_TOKEN: 'sesame-0123456789' })
  t.after(guarded.kill)
  await guarded.url()
  await until(() => guarded.output().stdout.includes('Inspector'))
  assert.ok(!guarded.output().stdout.includes('without STUDIO_ADMIN_TOKEN'))
})

test('an empty flows folder and an empty seed folder are warnings; a widget that fails logs one line saying why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-empty-flows-'))
  const seed = mkdtempSync(join(tmpdir(), 'studio-empty-seed-'))
  t.after(() => {
    rmSync(dir, { recursive: true, force: true })
    rmSync(seed, { recursive: true, force: true })
  })
  const p = startEmulator(['--port', '0', '--db', ':memory:', '--flows-dir', dir, '--seed', seed])
  t.after(p.kill)
  const base = await p.url()
  const warnings = lines(p.output().stdout).filter(l => l.level === 40).map(l => String(l.msg))
  assert.ok(warnings.includes(`STUDIO_FLOWS_DIR ${dir} has no *.json flow files: no flows were loaded`), p.output().stdout)
  assert.ok(warnings.includes(`STUDIO_SEED ${seed} has no *.json flow files and no snapshot: the seed loads nothing, at start or by a reset`), p.output().stdout)
  const auth = 'Basic ' + Buffer.from('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').toString('base64')
  // A port nothing listens on: one that was free a moment ago (fetch itself refuses some, such as 9).
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const closed = (probe.address() as AddressInfo).port
  await new Promise(resolve => probe.close(resolve))
  const definition = {
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', properties: {}, transitions: [{ event: 'incomingRequest', next: 'lookup' }] },
      { name: 'lookup', type: 'make-http-request', properties: { method: 'GET', url: `http://127.0.0.1:${closed}/nothing-listens-here` }, transitions: [{ event: 'success' }, { event: 'failed' }] }
    ]
  }
  const flow = await (await fetch(`${base}/v2/Flows`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ FriendlyName: 'f', Status: 'published', Definition: JSON.stringify(definition) }) })).json() as { sid: string }
  await fetch(`${base}/v2/Flows/${flow.sid}/Executions`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ To: '+1555', From: '+1666' }) })
  await until(() => p.output().stdout.includes('took failed'))
  const failure = () => lines(p.output().stdout).filter(l => String(l.msg).startsWith('widget lookup')).map(l => String(l.msg))
  assert.equal(failure().length, 1, p.output().stdout)
  // Which of the ways to get no answer it was, from the request itself: here nothing listens on the port.
  assert.deepEqual(failure(), [`widget lookup (make-http-request) took failed: no answer: connection refused (ECONNREFUSED 127.0.0.1:${closed})`])
  // A failure a test chose says so (and only then).
  const chosen = await fetch(`${base}/__emulator/widget-events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ widget: 'lookup', event: 'failed', times: 1 }) })
  assert.equal(chosen.status, 201, await chosen.text())
  await fetch(`${base}/v2/Flows/${flow.sid}/Executions`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ To: '+1555', From: '+1666' }) })
  await until(() => failure().length === 2)
  assert.equal(failure()[1], 'widget lookup (make-http-request) took failed: a test chose it (POST /__emulator/widget-events)')
})

test('--help lines up its columns; an empty PORT is refused with one clear line', () => {
  const help = spawnSync(process.execPath, [builtServer(), '--help'], { encoding: 'utf8' })
  assert.equal(help.status, 0)
  const rows = help.stdout.split('\n').filter(l => /^ {2}(--|-h|-v|flag)/.test(l))
  assert.ok(rows.length >= 17, help.stdout)
  const envColumn = (l: string) => l.search(/ {2}(PORT|HOST|STUDIO_|LOG_|environment)/)
  const columns = new Set(rows.filter(r => envColumn(r) > 0).map(envColumn))
  assert.equal(columns.size, 1, `environment column misaligned:\n${help.stdout}`)
  for (const flag of ['--port', '--flows-dir', '--journal-size', '--log-pretty', '--help']) assert.ok(help.stdout.includes(flag), flag)
  const empty = spawnSync(process.execPath, [builtServer()], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PORT: '' } })
  assert.equal(empty.status, 2)
  assert.match(empty.stderr, /PORT is set but empty/)
})

test('the derived-image recipe: STUDIO_SEED=/flows in the environment loads the flows at start, with SIDs from their file names', async (t) => {
  const p = startEmulator(['--port', '0', '--db', ':memory:'], { STUDIO_SEED: FLOWS })
  t.after(p.kill)
  const base = await p.url()
  const auth = 'Basic ' + Buffer.from('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').toString('base64')
  const flows = await (await fetch(`${base}/v2/Flows`, { headers: { authorization: auth } })).json() as { flows: Array<{ sid: string, friendly_name: string }> }
  const documented = (file: string) => 'FW' + createHash('sha256').update(`studio-emulator-flow:${file}`).digest('hex').slice(0, 32)
  assert.equal(flows.flows.find(f => f.friendly_name === 'ask')?.sid, documented('ask.json'))
  assert.equal(flows.flows.length, 3)
})

test('the README\'s start-up sample is what the server prints on a terminal (times, port and database aside)', async () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8')
  const sample = /On a terminal, `npm start -- --flows-dir test\/fixtures\/flows` prints[^]*?```text\n([^]*?)```/.exec(readme)?.[1]
  assert.ok(sample !== undefined, 'README has the sample')
  const p = startEmulator(['--port', '0', '--db', ':memory:', '--flows-dir', FLOWS, '--log-pretty'], { LOG_PRETTY: '1' })
  try {
    await until(() => (p.output().stdout.match(/ Flow FW/g) ?? []).length === 3)
    const normal = (text: string) => text.trim().split('\n').map(l => l
      .replace(/^\d\d:\d\d:\d\d\.\d{3} /, 'HH:MM:SS.mmm ')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      .replace(/\(database [^)]*\)/, '(database DB)'))
    assert.deepEqual(normal(p.output().stdout), normal(sample))
  } finally {
    await p.kill()
  }
})
