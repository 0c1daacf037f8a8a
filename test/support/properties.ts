// Shared pieces of the hostile-input, isolation, concurrency and durability tests: hostile value generators
// (fast-check), the Twilio error-shape check, and the emulator started as a child process on a real socket.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { builtServer } from './emulator-build.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Draws from an arbitrary inside fc.gen(). fc.gen() looks each draw up by builder and arguments (compared deeply,
 * in a list), so the arbitrary goes by a numeric id through one builder, and must be a long-lived constant: a
 * fresh arbitrary per draw would grow that list without end. pickInt, pick and weighted need no arbitrary at all.
 */
const registry: Array<fc.Arbitrary<unknown>> = []
const ids = new Map<fc.Arbitrary<unknown>, number>()
const byId = (id: number): fc.Arbitrary<unknown> => registry[id] as fc.Arbitrary<unknown>
export function draw<T> (g: fc.GeneratorValue, arb: fc.Arbitrary<T>): T {
  let id = ids.get(arb)
  if (id === undefined) {
    id = registry.push(arb) - 1
    ids.set(arb, id)
  }
  return g(byId, id) as T
}

const integers = new Map<string, fc.Arbitrary<number>>()
/** An integer from min to max inclusive. */
export function pickInt (g: fc.GeneratorValue, min: number, max: number): number {
  const key = `${min}:${max}`
  let arb = integers.get(key)
  if (arb === undefined) integers.set(key, arb = fc.integer({ min, max }))
  return draw(g, arb)
}

export function pick<T> (g: fc.GeneratorValue, values: readonly T[]): T {
  return values[pickInt(g, 0, values.length - 1)] as T
}

/** One of the makers, chosen by weight. */
export function weighted<T> (g: fc.GeneratorValue, choices: ReadonlyArray<readonly [number, () => T]>): T {
  let n = pickInt(g, 0, choices.reduce((sum, [w]) => sum + w, 0) - 1)
  for (const [w, make] of choices) {
    if (n < w) return make()
    n -= w
  }
  throw new Error('unreachable')
}

export const SQL_INJECTIONS = [
  "'; DROP TABLE executions; --",
  "' OR '1'='1",
  '" OR 1=1 --',
  '1); DELETE FROM flows; --',
  "FN' UNION SELECT sid, account_sid FROM executions --",
  "%' OR sid LIKE '%",
  "'); PRAGMA writable_schema = 1; --",
  "'; ATTACH DATABASE '/tmp/pwned.db' AS pwned; --",
  '?', '@sid', ':accountSid', '$1', '*', '%', '_'
] as const

/** Characters that break parsers, logs and terminals: NUL, CR/LF, escape, line separators, BOM, lone surrogates. */
const NASTY_CHARS = ['\u0000', '\u0001', '\b', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028', '\u2029',
  '\ufeff', '\u202e', '\ud800', '\udfff', '\uffff', '%', '&', '=', '+', ';', '"', "'", '\\', '/', '?', '#', 'a', 'é', '😀']

const ODD_SCALARS = ['', ' ', '0', '-1', '1e309', '-0', 'NaN', 'Infinity', '9007199254740993', '0x1F', '1.5', 'null', 'true',
  '[]', '{}', 'undefined', '__proto__', 'constructor', 'hasOwnProperty', '../../etc/passwd', '%s%s%n', '$' + '{7*7}', '{{7*7}}',
  '{% raw %}', '<script>alert(1)</script>', 'active', 'ended', 'draft', 'published', 'LatestPublished']

/** Text a client could put in any parameter or path segment. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SQL_INJECTIONS) },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_SCALARS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...NASTY_CHARS), maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  // Overlong SIDs and tokens.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('FN', 'FW', 'FT', 'AC', 'SK', 'FC'), fc.integer({ min: 33, max: 4000 })).map(([p, n]) => p + 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 60_000 }).map(n => 'x'.repeat(n)) }
)

/** A SID with the right prefix and 32 hex digits that names nothing. */
export const unknownSid = (prefix: string): fc.Arbitrary<string> =>
  fc.stringMatching(/^[0-9a-f]{32}$/).map(hex => prefix + hex)

/** `{"a":{"a":…1…}}` or `[[[…]]]`, `depth` levels deep. */
export function nestedJson (depth: number, kind: 'object' | 'array'): string {
  return kind === 'object' ? '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth)
}

/** The deepest bracket nesting in a text, ignoring brackets inside JSON strings. */
export function nestingDepth (text: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{' || c === '[') max = Math.max(max, ++depth)
    else if (c === '}' || c === ']') depth--
  }
  return max
}

/** JSON-ish text for Parameters, Definition and the control API: valid, broken, non-object, huge, deep. */
export const jsonText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('[]', '"x"', '42', 'null', 'true', '{', '{"a":}', '{"a":1,}', "{'a':1}", '{"a":1}garbage',
      '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"a":1e400}', '{"a":"\\ud800"}',
      '\ufeff{}', ' {} ', '{"a":1,"a":2}', '{"":null}', '{"a":"\\u0000"}')
  },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 2, max: 12_000 }), fc.constantFrom('object', 'array') as fc.Arbitrary<'object' | 'array'>).map(([d, k]) => `{"x":${nestedJson(d, k)}}`) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map(n => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 300_000 }).map(n => JSON.stringify({ s: 'x'.repeat(n) })) }
)

/** Percent-encodes every byte of the UTF-8 form except RFC 3986's unreserved characters. */
export function percentEncode (text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Escapes that no decoder accepts: bad hex, a lone %, overlong and truncated UTF-8. */
export const BROKEN_ESCAPES = ['%zz', '%', '%e0%80', '%C0%AF', '%FF%FE', '%%', '%2', 'FW%zz', '%ED%A0%80'] as const

/**
 * Checks a non-2xx answer against Twilio's error shape: JSON `{code, message, more_info, status}` (+ details, and
 * `detail` on a 401),
 * `status` equal to the HTTP status. Returns the problems found (empty when it is well-formed).
 */
export function twilioErrorProblems (status: number, headers: Record<string, unknown>, body: string): string[] {
  const problems: string[] = []
  if (headers['content-type'] !== 'application/json') problems.push(`content-type ${String(headers['content-type'])} (Twilio's is application/json, no charset)`)
  let parsed: any
  try {
    parsed = JSON.parse(body)
  } catch {
    return [...problems, 'body is not JSON']
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [...problems, 'body is not an object']
  const extra = Object.keys(parsed).filter(k => !['code', 'message', 'more_info', 'status', 'details', ...(parsed.code === 20003 ? ['detail'] : [])].includes(k))
  if (extra.length > 0) problems.push(`extra keys ${extra.join(',')}`)
  if (!Number.isInteger(parsed.code)) problems.push(`code ${JSON.stringify(parsed.code)}`)
  if (typeof parsed.message !== 'string' || parsed.message === '') problems.push('no message')
  if (parsed.more_info !== `https://www.twilio.com/docs/errors/${String(parsed.code)}`) problems.push(`more_info ${JSON.stringify(parsed.more_info)}`)
  if (parsed.status !== status) problems.push(`body.status ${JSON.stringify(parsed.status)} ≠ ${status}`)
  if (parsed.details !== undefined && (parsed.details === null || typeof parsed.details !== 'object')) problems.push('details is not an object')
  return problems
}

export const basic = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64')

export const sleep = async (ms: number) => await new Promise(resolve => setTimeout(resolve, ms))

export interface EmulatorProcess {
  child: ReturnType<typeof spawn>
  /** The base URL from the startup log line. */
  url: () => Promise<string>
  exited: Promise<number | null>
  output: () => { stdout: string, stderr: string }
  /** SIGKILL, then wait for the exit. */
  kill: () => Promise<void>
}

/** `node --import tsx src/server.ts …` with the given flags; `url()` waits for the JSON startup line. */
export function startEmulator (args: string[], env: Record<string, string> = {}): EmulatorProcess {
  // A free port unless the test names one: suites run side by side (npm test's concurrency), so none may take 4010.
  const port = args.includes('--port') ? [] : ['--port', '0']
  const child = spawn(process.execPath, [builtServer(), '--host', '127.0.0.1', ...port, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout = (stdout + String(d)).slice(-200_000) })
  child.stderr.on('data', (d) => { stderr = (stderr + String(d)).slice(-200_000) })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // 'close' comes after the output has been read to the end ('exit' can come before).
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()))
  let found: string | undefined
  const url = async (): Promise<string> => {
    for (let i = 0; i < 600 && found === undefined; i++) {
      found = /"url":"(http:\/\/[^"]+)"/.exec(stdout)?.[1]
      if (found === undefined) {
        if (child.exitCode !== null || child.signalCode !== null) {
          await closed
          break
        }
        await sleep(25)
      }
    }
    if (found === undefined) throw new Error(`the emulator did not start (exit ${String(child.exitCode ?? child.signalCode)}):\n${stdout}\n${stderr}`)
    return found
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  return { child, url, exited, output: () => ({ stdout, stderr }), kill }
}

/**
 * Two emulator processes on one database file in a fresh temporary folder (killed and removed after the test),
 * started one after the other so that the second finds the schema migrated.
 */
export async function twoEmulatorsOnOneFile (t: TestContext, args: string[] = []): Promise<{ db: string, servers: EmulatorProcess[], bases: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'studio-two-processes-'))
  const db = join(dir, 'studio.db')
  const servers: EmulatorProcess[] = []
  t.after(async () => {
    for (const s of servers) await s.kill()
    rmSync(dir, { recursive: true, force: true })
  })
  const bases: string[] = []
  for (let i = 0; i < 2; i++) {
    const server = startEmulator(['--port', '0', '--db', db, ...args])
    servers.push(server)
    bases.push(await server.url())
  }
  return { db, servers, bases }
}
