// Installs the dependencies when they are missing or older than package-lock.json (`npm ci`), and otherwise does
// nothing, so that `npm start` and `npm test` are each the whole set-up on a fresh clone and the second repeats no
// install. Run by `pretest`, and by scripts/start.mjs.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const installed = new URL('../node_modules/.package-lock.json', import.meta.url)
const lock = new URL('../package-lock.json', import.meta.url)

/** Runs `npm ci` when needed; returns its exit status (0 when nothing was needed). */
export function ensureDependencies () {
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return 0
  process.stderr.write('studio-emulator: installing dependencies (npm ci)\n')
  // npm runs this script: the npm that runs it installs (npm_execpath), or the npm on PATH.
  const npm = process.env.npm_execpath
  const result = npm !== undefined && npm.endsWith('.js')
    ? spawnSync(process.execPath, [npm, 'ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
    : spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  return result.status ?? 1
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(ensureDependencies())
