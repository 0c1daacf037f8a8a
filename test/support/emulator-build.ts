// The emulator as the tests that start it as a process run it (test/system/, hostile input): bundled once per test
// process exactly as `npm run build` bundles it (scripts/build.mjs), into a folder of node_modules/.cache with the
// repository's package.json and migrations beside it, so that the paths the server finds from import.meta.url
// resolve as they do from dist/.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundle } from '../../scripts/build.mjs'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

let built: string | undefined

/** The path of server.js in this process's build (made on first use, removed when the process exits). */
export function builtServer (): string {
  if (built !== undefined) return built
  const cache = join(ROOT, 'node_modules', '.cache', 'studio-emulator-test')
  mkdirSync(cache, { recursive: true })
  const out = mkdtempSync(join(cache, 'build-'))
  process.on('exit', () => rmSync(out, { recursive: true, force: true }))
  bundle(join(out, 'dist'))
  cpSync(join(ROOT, 'package.json'), join(out, 'package.json'))
  symlinkSync(join(ROOT, 'migrations'), join(out, 'migrations'), 'dir')
  built = join(out, 'dist', 'server.js')
  return built
}
