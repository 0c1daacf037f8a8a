// The README's two commands on a tree that is already set up: `npm start`'s prestart installs nothing and compiles
// only when src/ changed, and the compiled server starts and answers. (Start-up time is measured in bench/.)
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

test('set-up scripts do nothing on a tree that is set up, and compile only when sources changed', { timeout: 120_000 }, () => {
  const setup = spawnSync(process.execPath, ['scripts/setup.mjs'], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(setup.status, 0, setup.stderr)
  assert.equal(setup.stderr, '', 'dependencies are up to date: no install')
  // The first run may compile (a fresh clone has no dist/); the second finds nothing changed.
  const first = spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(first.status, 0, first.stderr)
  const second = spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: ROOT, encoding: 'utf8' })
  assert.equal(second.status, 0, second.stderr)
  assert.equal(second.stderr, '', 'nothing changed: no compile')
})

test('the compiled server (what npm start runs) starts and answers', { timeout: 120_000 }, async () => {
  spawnSync(process.execPath, ['scripts/build-if-changed.mjs'], { cwd: ROOT })
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'server.js'), '--port', '0', '--db', ':memory:'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_PRETTY: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', d => { out += String(d) })
  try {
    let url: string | undefined
    for (let i = 0; i < 400 && url === undefined; i++) {
      url = /"url":"(http:\/\/[^"]+)"/.exec(out)?.[1]
      if (url === undefined) await new Promise(resolve => setTimeout(resolve, 25))
    }
    assert.ok(url !== undefined, out)
    assert.equal((await fetch(`${url}/healthz`)).status, 200)
    assert.equal((await fetch(`${url}/__emulator/ui/`)).status, 200)
  } finally {
    child.kill('SIGKILL')
  }
})
