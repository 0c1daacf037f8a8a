// Compiles src/ to dist/ (tsc -p tsconfig.build.json) only when a source or build setting changed since the last
// build, so that `npm start` on a built tree starts the server at once. Run by scripts/start.mjs.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stampFile = join(root, 'dist', '.build-stamp')

/** Every input of the build with its size and modification time: a changed, added or removed file changes it. */
function inputs () {
  const files = ['package.json', 'tsconfig.json', 'tsconfig.build.json']
  for (const f of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) if (f.endsWith('.ts')) files.push(join('src', f))
  return files.sort().map(f => {
    const s = statSync(join(root, f))
    return `${f} ${s.size} ${Math.floor(s.mtimeMs)}`
  }).join('\n')
}

/** Compiles when needed; returns tsc's exit status (0 when nothing was needed). */
export function buildIfChanged () {
  const now = inputs()
  if (existsSync(stampFile) && existsSync(join(root, 'dist', 'server.js')) && readFileSync(stampFile, 'utf8') === now) return 0
  process.stderr.write('studio-emulator: compiling src/ to dist/\n')
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) return result.status ?? 1
  writeFileSync(stampFile, now)
  return 0
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(buildIfChanged())
