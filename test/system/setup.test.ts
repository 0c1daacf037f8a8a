// The README's two commands on a tree that is already set up: `npm start`'s prestart installs nothing and compiles
// only when src/ changed, and the compiled server starts and answers. (Start-up time is measured in bench/.)
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The modules `file` imports statically (`import … from '…'`), and theirs, for the relative ones. */
function staticImports (file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return []
  seen.add(file)
  const found: string[] = []
  for (const m of readFileSync(file, 'utf8').matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) {
    const spec = m[1] as string
    found.push(spec)
    if (spec.startsWith('.')) found.push(...staticImports(join(dirname(file), spec), seen))
  }
  return found
}

test('npm start imports nothing from node_modules before it has installed them (a fresh clone has none)', () => {
  const imports = staticImports(join(ROOT, 'scripts', 'start.mjs'))
  const packages = imports.filter(spec => !spec.startsWith('.') && !spec.startsWith('node:'))
  assert.deepEqual(packages, [], `scripts/start.mjs loads ${packages.join(', ')} before npm ci`)
})

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
