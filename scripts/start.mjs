// `npm start`: installs the dependencies and bundles src/ only when needed, then runs the compiled server in this
// same process (one node start, not three).
import { buildIfChanged } from './build-if-changed.mjs'
import { ensureDependencies } from './setup.mjs'

const installed = ensureDependencies()
if (installed !== 0) process.exit(installed)
const built = buildIfChanged()
if (built !== 0) process.exit(built)
await import('../dist/server.js')
