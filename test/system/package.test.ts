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

function run (cwd: string, ...args: string[]) {
  const [cmd, ...pre] = npm as [string, ...string[]]
  const r = spawnSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } })
  assert.equal(r.status, 0, `npm ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('npm pack makes a package from which npx studio-emulator starts the server', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-package-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const packed = JSON.parse(run(ROOT, 'pack', '--json', '--pack-destination', dir)) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = packed[0]?.files.map(f => f.path) ?? []
  for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'bin/studio-emulator.js', 'dist/server.js', 'migrations/0001_flows_executions_steps.sql']) assert.ok(files.includes(f), `${f} in the package`)
  assert.ok(!files.some(f => f.startsWith('src/') || f.startsWith('test/')), 'no sources or tests in the package')
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8')
  assert.match(license, /^MIT License/)
  assert.equal(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license, 'MIT')

  const app = join(dir, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  run(app, 'install', '--prefer-offline', '--ignore-scripts', join(dir, packed[0]?.filename as string))
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
})
