// The process entry as users start it: configuration errors, startup, signals.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { builtServer } from '../support/emulator-build.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const AUTH = 'Basic ' + Buffer.from('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').toString('base64')

function start (args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [builtServer(), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += String(d) })
  child.stderr.on('data', (d) => { stderr += String(d) })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const listeningOn = async (): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(stdout)
      if (m?.[1] !== undefined) return m[1]
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    throw new Error(`server did not start: ${stdout}\n${stderr}`)
  }
  return { child, exited, listeningOn, output: () => ({ stdout, stderr }) }
}

test('invalid configuration stops the process with one line and a non-zero exit', async () => {
  for (const [args, env, pattern] of [
    [['--port', 'http'], {}, /PORT/],
    [[], { STUDIO_ACCOUNTS: 'ACxyz:token' }, /not an account SID/],
    [[], { STUDIO_API_KEYS: 'SK1:secret:AC1' }, /STUDIO_API_KEYS/]
  ] as const) {
    const p = start([...args], { ...env })
    const code = await p.exited
    assert.notEqual(code, 0)
    const { stderr } = p.output()
    assert.match(stderr, pattern)
    assert.equal(stderr.trim().split('\n').length, 1, stderr)
  }
})

test('--help and --version answer without starting a server', async () => {
  const help = start(['--help'])
  assert.equal(await help.exited, 0)
  assert.match(help.output().stdout, /STUDIO_ACCOUNTS/)
  const version = start(['--version'])
  assert.equal(await version.exited, 0)
  assert.match(version.output().stdout.trim(), /^\d+\.\d+\.\d+$/)
})

test('the server starts on a file database, prints the default account, serves, and exits 0 on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-server-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'data', 'studio.db')
  const p = start(['--port', '0', '--db', db])
  const url = await p.listeningOn()
  assert.match(p.output().stdout, /ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/)
  const res = await fetch(`${url}/v1/Flows/FW0123456789abcdef0123456789abcdef/Executions`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'To=%2B15551234567&From=%2B15557654321'
  })
  assert.equal(res.status, 200)
  const body = await res.json() as { url: string }
  assert.ok(body.url.startsWith(url), 'URLs point back at the server that was called')
  p.child.kill('SIGTERM')
  assert.equal(await p.exited, 0)
  // One structured line per request: method, path, status, latency, account and request id.
  const requestLine = p.output().stdout.split('\n').filter(l => l.includes('"msg":"request"')).map(l => JSON.parse(l))[0]
  assert.equal(requestLine.method, 'POST')
  assert.equal(requestLine.path, '/v1/Flows/FW0123456789abcdef0123456789abcdef/Executions')
  assert.equal(requestLine.status, 200)
  assert.equal(typeof requestLine.latency_ms, 'number')
  assert.equal(requestLine.account, 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
  assert.equal(requestLine.reqId, res.headers.get('twilio-request-id'))
  assert.ok(existsSync(db))
  assert.ok(!existsSync(`${db}-wal`), 'the database was closed cleanly (WAL checkpointed and removed)')
})

test('SIGINT also shuts down cleanly, and :memory: needs no file', async () => {
  const p = start(['--port', '0', '--db', ':memory:'])
  await p.listeningOn()
  p.child.kill('SIGINT')
  assert.equal(await p.exited, 0)
})

test('SIGTERM with an inspector page open (its live stream) still finishes at once and exits 0', async () => {
  const p = start(['--port', '0', '--db', ':memory:'])
  const url = await p.listeningOn()
  const stream = await fetch(`${url}/__emulator/ui/stream`, { headers: { accept: 'text/event-stream' } })
  assert.equal(stream.status, 200)
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader()
  assert.match(new TextDecoder().decode((await reader.read()).value), /event: hello/)
  const sent = Date.now()
  p.child.kill('SIGTERM')
  const code = await Promise.race([p.exited, new Promise(resolve => setTimeout(() => resolve('still running after 5 s'), 5_000))])
  if (code !== 0) p.child.kill('SIGKILL')
  assert.equal(code, 0)
  assert.ok(Date.now() - sent < 5_000)
  // The page's stream ends with the server (the page then reconnects to the next one).
  for (let chunk = await reader.read().catch(() => ({ done: true })); chunk.done !== true; chunk = await reader.read().catch(() => ({ done: true }))) { /* drain */ }
})

test('a database written by a newer emulator is refused at startup', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'studio-server-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const db = join(dir, 'studio.db')
  const { default: Database } = await import('better-sqlite3')
  const raw = new Database(db)
  raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_version VALUES (9999, 'future', 'x')")
  raw.close()
  const p = start(['--port', '0', '--db', db])
  assert.equal(await p.exited, 1)
  assert.match(p.output().stderr, /9999/)
})

test('--log-pretty prints readable lines, one per request', async () => {
  const p = start(['--port', '0', '--db', ':memory:', '--log-pretty'])
  let url = ''
  for (let i = 0; i < 200 && url === ''; i++) {
    url = /Studio Emulator listening on (http:\/\/\S+)/.exec(p.output().stdout)?.[1] ?? ''
    if (url === '') await new Promise(resolve => setTimeout(resolve, 50))
  }
  assert.notEqual(url, '', p.output().stdout)
  await fetch(`${url}/v1/Flows/FW0123456789abcdef0123456789abcdef/Executions`, { headers: { authorization: AUTH } })
  await new Promise(resolve => setTimeout(resolve, 200))
  p.child.kill('SIGTERM')
  assert.equal(await p.exited, 0)
  const lines = p.output().stdout.split('\n')
  assert.ok(lines.some(l => /^\d\d:\d\d:\d\d\.\d{3} INFO {2}GET \/v1\/Flows\/FW0123456789abcdef0123456789abcdef\/Executions 200 [\d.]+ms ACa+ RQ[0-9a-f]{32}$/.test(l)), p.output().stdout)
  assert.ok(!lines.some(l => l.startsWith('{')), 'no JSON lines')
})
