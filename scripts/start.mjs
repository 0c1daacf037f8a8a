// `npm start`: installs the dependencies and bundles src/ only when needed, then runs the compiled server in this
// same process (one node start, not three). Only Node's own modules are imported before the install: the build
// (esbuild) is imported once the dependencies are there, which on a fresh clone is after `npm ci`.
import { ensureDependencies } from './setup.mjs'

const installed = ensureDependencies()
if (installed !== 0) process.exit(installed)
const { buildIfChanged } = await import('./build-if-changed.mjs')
const built = buildIfChanged()
if (built !== 0) process.exit(built)
await import('../dist/server.js')
