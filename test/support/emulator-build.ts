// The emulator as plain JavaScript for the tests that start it as a process (test/system/, hostile input): src/
// transpiled once per test process with esbuild (no type check; `npm run typecheck` does that), so each start
// costs a node process rather than node plus tsx's loader. The tree mirrors the repository (src/, migrations,
// package.json) inside node_modules/.cache, so the paths the server finds from import.meta.url, and the packages
// it imports, resolve as they do from src/ and dist/.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'esbuild'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let built: string | undefined

/** The path of server.js in this process's build (made on first use, removed when the process exits). */
export function builtServer (): string {
  if (built !== undefined) return built
  const cache = join(ROOT, 'node_modules', '.cache', 'studio-emulator-test')
  mkdirSync(cache, { recursive: true })
  const out = mkdtempSync(join(cache, 'build-'))
  process.on('exit', () => rmSync(out, { recursive: true, force: true }))
  for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue
    const { code } = transformSync(readFileSync(join(ROOT, 'src', file), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: file })
    const target = join(out, 'src', file.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, code)
  }
  cpSync(join(ROOT, 'package.json'), join(out, 'package.json'))
  symlinkSync(join(ROOT, 'migrations'), join(out, 'migrations'), 'dir')
  built = join(out, 'src', 'server.js')
  return built
}
