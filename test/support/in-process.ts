// Runs every test file outside test/system/ in this one process, one file after another, in path order.
// `npm test` hands this file to node's test runner beside the system suites: a process per file would load tsx,
// Fastify and the app again for each of some thirty files, which on a 2-core machine cost more than the tests
// themselves. Each *.test.ts still runs on its own too: node --import tsx --test test/routes/flows-v2.test.ts.
// The system suites (several processes, kill -9, the server binary) keep a process each.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url))

const files = readdirSync(TEST_ROOT, { recursive: true, encoding: 'utf8' })
  .filter(f => f.endsWith('.test.ts') && !f.split(/[\\/]/).includes('system'))
  .sort()

if (files.length === 0) throw new Error(`no test files found under ${TEST_ROOT}`)
for (const file of files) await import(pathToFileURL(join(TEST_ROOT, file)).href)
