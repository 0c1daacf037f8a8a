// `npm run build`: bundles the server (src/server.ts and everything it imports, the dependencies included) into
// dist/server.js with esbuild, plus a chunk per module the server loads later (the widgets and Liquid on the first
// widget run, the flow graph layout on the first inspector page). One file to read and no module resolution at start
// halved the time from launch to the first answer (bench/README.md). better-sqlite3 stays in node_modules: it is a
// native addon. Types are checked by `npm run typecheck` (part of `npm test`), not here.
import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildSync } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Bundles into `outdir` (relative to the repository; emptied first). Throws when esbuild reports an error. */
export function bundle (outdir = 'dist') {
  const out = resolve(root, outdir)
  rmSync(out, { recursive: true, force: true })
  buildSync({
    absWorkingDir: root,
    entryPoints: ['src/server.ts'],
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3'],
    // The bundled CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning'
  })
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try { bundle() } catch { process.exitCode = 1 }
}
