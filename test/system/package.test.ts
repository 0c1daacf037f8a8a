// The npm package: `npm pack` makes a tarball with the compiled server, the migrations, README, LICENSE and
// CHANGELOG (no sources or tests), and the bin `npx studio-emulator` runs starts the server from it with no clone. The install
// takes the dependencies from npm's cache where it can; better-sqlite3's native module, whose build from source takes
// minutes on this machine and is not what this tests, is copied from this checkout.
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const npm = process.env.npm_execpath?.endsWith('.js') === true ? [process.execPath, process.env.npm_execpath] : ['npm']

function run (cwd: string, ...args: string[]): { stdout: string, stderr: string } {
  const [cmd, ...pre] = npm as [string, ...string[]]
  const r = spawnSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } })
  assert.equal(r.status, 0, `npm ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return { stdout: r.stdout, stderr: r.stderr }
}

test('npm pack makes a package from which npx studio-emulator starts the server', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-package-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const packed = JSON.parse(run(ROOT, 'pack', '--json', '--pack-destination', dir).stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = packed[0]?.files.map(f => f.path) ?? []
  for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'bin/studio-emulator.js', 'dist/server.js', 'migrations/0001_flows_executions_steps.sql']) assert.ok(files.includes(f), `${f} in the package`)
  assert.ok(!files.some(f => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests in the package')
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8')
  assert.match(license, /^MIT License/)
  assert.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license, 'MIT')

  const app = join(dir, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  const install = run(app, 'install', '--prefer-offline', '--ignore-scripts', join(dir, packed[0]?.filename as string))
  // The package depends only on what dist/ loads at run time (the rest is bundled): nothing that refuses this Node.
  assert.doesNotMatch(install.stdout + install.stderr, /EBADENGINE/, install.stderr)
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'studio-emulator', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['better-sqlite3', 'htmx.org'])
  const native = join('node_modules', 'better-sqlite3', 'build', 'Release')
  mkdirSync(join(app, native), { recursive: true })
  copyFileSync(join(ROOT, native, 'better_sqlite3.node'), join(app, native, 'better_sqlite3.node'))

  // What `npx studio-emulator` runs: the package's bin, linked into node_modules/.bin (started with node directly, so
  // that the test can stop it).
  const bin = join(app, 'node_modules', '.bin', 'studio-emulator')
  const child = spawn(process.execPath, [bin, '--port', '0', '--db', ':memory:'], { cwd: app, env: { ...process.env, LOG_PRETTY: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', d => { out += String(d) })
  child.stderr.on('data', d => { out += String(d) })
  t.after(() => { child.kill('SIGKILL') })
  let url: string | undefined
  for (let i = 0; i < 600 && url === undefined; i++) {
    url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1]
    if (url === undefined) await new Promise(resolve => setTimeout(resolve, 50))
  }
  assert.ok(url !== undefined, out)
  const auth = 'Basic ' + Buffer.from('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').toString('base64')
  assert.equal((await fetch(`${url}/v2/Flows`, { headers: { authorization: auth } })).status, 200)
  assert.equal((await fetch(`${url}/__emulator/ui/`)).status, 200)
  // What loads later also comes from the package: the widgets and Liquid, the flow graph, htmx (read from its package).
  const definition = {
    initial_state: 'Trigger',
    states: [
      { name: 'Trigger', type: 'trigger', properties: {}, transitions: [{ event: 'incomingRequest', next: 'hello' }] },
      { name: 'hello', type: 'send-message', properties: { body: 'Hi {{contact.channel.address | upcase}}' }, transitions: [{ event: 'sent' }, { event: 'failed' }] }
    ]
  }
  const post = async (path: string, fields: Record<string, string>) => await (await fetch(url + path, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams(fields) })).json() as { sid: string }
  const flow = await post('/v2/Flows', { FriendlyName: 'packaged', Status: 'published', Definition: JSON.stringify(definition) })
  await post(`/v2/Flows/${flow.sid}/Executions`, { To: 'whatsapp:+15550001111', From: '+15559999' })
  await fetch(`${url}/__emulator/idle`)
  const outbox = await (await fetch(`${url}/__emulator/outbox`)).json() as { messages: Array<{ body: string }> }
  assert.deepEqual(outbox.messages.map(m => m.body), ['Hi WHATSAPP:+15550001111'])
  const page = await fetch(`${url}/__emulator/ui/flows/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/${flow.sid}`)
  assert.equal(page.status, 200)
  assert.match(await page.text(), /<svg/)
  const htmx = await fetch(`${url}/__emulator/ui/assets/htmx.min.js`)
  assert.equal(htmx.status, 200)
  assert.match(await htmx.text(), /htmx/)
})

/** Whether a Node version satisfies an `engines` range (the forms npm packages use: ||, spaces, ^, ~, >=, <, x and *). */
function satisfies (version: string, range: string): boolean {
  const v = version.split('.').map(Number) as [number, number, number]
  const cmp = (a: readonly number[], b: readonly number[]) => (a[0]! - b[0]!) || (a[1]! - b[1]!) || (a[2]! - b[2]!)
  const holds = (comparator: string): boolean => {
    const [, op = '', given = ''] = /^(>=|<=|>|<|\^|~|=)?v?(.*)$/.exec(comparator) ?? []
    const parts = given.split('.').map(p => /^\d+$/.test(p) ? Number(p) : undefined)
    if (parts[0] === undefined) return true
    const low = [parts[0], parts[1] ?? 0, parts[2] ?? 0]
    if (op === '>=') return cmp(v, low) >= 0
    if (op === '>') return cmp(v, low) > 0
    if (op === '<') return cmp(v, low) < 0
    if (op === '<=') return cmp(v, low) <= 0
    if (op === '^') return cmp(v, low) >= 0 && (low[0] > 0 ? v[0] === low[0] : low[1]! > 0 ? v[0] === 0 && v[1] === low[1] : cmp(v, [0, 0, low[2]! + 1]) < 0)
    if (op === '~') return cmp(v, low) >= 0 && v[0] === low[0] && (parts[1] === undefined || v[1] === low[1])
    // 20, 20.x, 20.1.x, 20.1.2: every part given matches.
    return parts.every((p, i) => p === undefined || p === v[i])
  }
  return range.split('||').some(alt => alt.trim().replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1').split(/\s+/).filter(c => c !== '').every(holds))
}

test('engines accepts exactly the Node versions every locked dependency accepts, the tested 20, 22 and 24 among them', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> }
  const ranges = Object.entries(lock.packages).filter(([path]) => path !== '').flatMap(([path, p]) =>
    p.engines !== undefined && !Array.isArray(p.engines) && typeof p.engines.node === 'string' ? [[path, p.engines.node] as const] : [])
  assert.ok(ranges.some(([path]) => path === 'node_modules/better-sqlite3'), 'the lock names engines')
  for (const version of ['18.20.8', '20.0.0', '20.19.0', '20.20.2', '20.99.0', '21.7.3', '22.12.0', '22.13.0', '22.99.0', '23.11.0', '24.0.0', '24.99.0', '25.9.0', '26.0.0']) {
    const refusing = ranges.filter(([, range]) => !satisfies(version, range)).map(([path, range]) => `${path} (${range})`)
    assert.equal(satisfies(version, pkg.engines.node), refusing.length === 0, `Node ${version}: engines "${pkg.engines.node}", refused by ${refusing.join(', ') || 'no dependency'}`)
  }
  for (const tested of ['20.20.2', '22.13.0', '24.0.0']) assert.ok(satisfies(tested, pkg.engines.node), tested)
})
