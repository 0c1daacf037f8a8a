// Prism (@stoplight/prism-cli, a devDependency) mocking Twilio's Studio v1 OpenAPI description: what people run
// instead of an emulator. Started like the other servers (a child of the bench, killed on every exit), on port 0.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { startServer, type Server } from './proc.js'

/**
 * Twilio's Studio v1 description: ../shared/reference/ when it exists, else the twilio-oai copy in the
 * @twilio-alpha/mcp devDependency (the same places, in the same order, as test/support/spec.ts).
 */
export function studioSpec (root: string): string {
  const candidates = [join(root, '../shared/reference'), join(root, 'node_modules/@twilio-alpha/mcp/twilio-oai/spec/json')]
  const dir = candidates.find(d => existsSync(join(d, 'twilio_studio_v1.json')))
  if (dir === undefined) throw new Error(`Twilio's Studio OpenAPI files were found in none of: ${candidates.join(', ')}`)
  return join(dir, 'twilio_studio_v1.json')
}

/** Prism's CLI script and version, from the installed package. */
export function prismCli (root: string): { script: string, version: string } {
  const pkgPath = createRequire(join(root, 'package.json')).resolve('@stoplight/prism-cli/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string, bin: Record<string, string> }
  return { script: join(dirname(pkgPath), pkg.bin.prism ?? 'dist/index.js'), version: pkg.version }
}

/** Prism's own levels; the bench's LOG_LEVEL maps onto them (warn: no line per request, as for the emulator). */
const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])

/**
 * `prism mock` on the spec, static examples (no --dynamic), request violations logged but not answered as errors
 * (--errors=false). `node <script>` directly, so that the child is the process that listens (no npx in between).
 */
export async function startPrism (opts: { root: string, spec: string, logLevel: string, env: Record<string, string>, readyPath: string, headers: Record<string, string> }): Promise<Server> {
  const { script } = prismCli(opts.root)
  return await startServer({
    name: 'prism',
    args: [script, 'mock', opts.spec, '--port', '0', '--host', '127.0.0.1', '--errors=false', '--verboseLevel', LEVELS.has(opts.logLevel) ? opts.logLevel : 'warn'],
    env: opts.env,
    cwd: opts.root,
    readyPath: opts.readyPath,
    headers: opts.headers,
    // Prism reads and resolves the whole description before it listens: seconds, not milliseconds.
    timeoutMs: 120_000,
    // Printed at info ("Prism is listening on http://127.0.0.1:PORT"); at warn the port comes from /proc.
    urlPattern: /listening on (http:\/\/127\.0\.0\.1:\d+)/
  })
}
