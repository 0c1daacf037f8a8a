// Bundles src/ into dist/ (scripts/build.mjs) only when a source, a dependency or a build setting changed since the
// last build, so that `npm start` on a built tree starts the server at once. Run by scripts/start.mjs.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { bundle } from './build.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const stampFile = join(root, 'dist', '.build-stamp')

/** Every input of the build with its size and modification time: a changed, added or removed file changes it. */
function inputs () {
  const files = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs']
  for (const f of readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })) if (f.endsWith('.ts')) files.push(join('src', f))
  return files.sort().map(f => {
    const s = statSync(join(root, f))
    return `${f} ${s.size} ${Math.floor(s.mtimeMs)}`
  }).join('\n')
}

/** Bundles when needed; returns 0 when built or nothing was needed, 1 when the build failed (esbuild said why). */
export function buildIfChanged () {
  const now = inputs()
  if (existsSync(stampFile) && existsSync(join(root, 'dist', 'server.js')) && readFileSync(stampFile, 'utf8') === now) return 0
  process.stderr.write('studio-emulator: bundling src/ into dist/\n')
  try {
    bundle()
  } catch {
    return 1
  }
  writeFileSync(stampFile, now)
  return 0
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(buildIfChanged())
