// The only reader of process.env and argv: turns them into one frozen Config, or a one-line ConfigError.
import { parseArgs } from 'node:util'
import { isSid } from './twilio/sid.js'
import type { AccountCredential, ApiKeyCredential, Config, HttpMapping, LogLevel } from './types.js'

export type { Config }

export class ConfigError extends Error {}

export const DEFAULT_ACCOUNT: AccountCredential = Object.freeze({
  sid: 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  authToken: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
})

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Every setting: its environment variable, its flag, its default and what it does. The README table mirrors this. */
export const SETTINGS = [
  { env: 'PORT', flag: 'port', default: '4010', help: 'TCP port to listen on' },
  { env: 'HOST', flag: 'host', default: '127.0.0.1', help: 'interface to bind (0.0.0.0 in a container)' },
  { env: 'STUDIO_DB', flag: 'db', default: './data/studio.db', help: "SQLite file (its folder is created), or ':memory:'" },
  { env: 'STUDIO_ACCOUNTS', flag: 'accounts', default: `${DEFAULT_ACCOUNT.sid}, whose auth token the README gives`, help: 'comma-separated ACsid:authToken pairs' },
  { env: 'STUDIO_API_KEYS', flag: 'api-keys', default: '', help: 'comma-separated SKsid:secret:ACsid triples' },
  { env: 'STUDIO_PUBLIC_URL', flag: 'public-url', default: '', help: 'base of absolute URLs in responses (default: from the Host header)' },
  { env: 'LOG_LEVEL', flag: 'log-level', default: 'info', help: LOG_LEVELS.join('|') },
  { env: 'STUDIO_FLOWS', flag: 'flows', default: 'auto', help: 'auto (unknown FlowSids are registered on first use) or strict (404, as in the cloud)' },
  { env: 'STUDIO_FLOWS_DIR', flag: 'flows-dir', default: '', help: 'folder of flow definition files (*.json) loaded into every account at startup' },
  { env: 'STUDIO_SEED', flag: 'seed', default: '', help: 'file or folder of flow files and an optional snapshot, loaded into an empty database at start and by every reset' },
  { env: 'STUDIO_ADMIN_TOKEN', flag: 'admin-token', default: '', help: 'bearer token the control API (/__emulator) requires' },
  { env: 'STUDIO_JOURNAL_SIZE', flag: 'journal-size', default: '1000', help: 'requests kept by the request journal' },
  { env: 'STUDIO_RATE_LIMITS', flag: 'rate-limits', default: 'off', help: "on: Studio's 20 new executions per second per account (429 20429)" },
  { env: 'STUDIO_CHECK_SIGNATURES', flag: 'check-signatures', default: 'off', help: "on: posts to a flow's webhook need a valid X-Twilio-Signature (403 20403)" },
  { env: 'STUDIO_EVENTS_URL', flag: 'events-url', default: '', help: 'URL that receives Studio events (CloudEvents, JSON arrays)' },
  { env: 'STUDIO_HTTP_MAP', flag: 'http-map', default: '', help: 'prefix=base,...: HTTP Request and Run Function URLs starting with prefix go to base instead' },
  { env: 'STUDIO_SID_SEED', flag: 'sid-seed', default: '', help: 'any text: SIDs come from a deterministic sequence per prefix (the same in every fresh run) instead of from the time and at random' }
] as const

type Overrides = Partial<Config>

/** Reads configuration from argv (flags win) and the environment. Throws ConfigError with a one-line reason. */
export function loadConfig (argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env, stdoutIsTTY = process.stdout.isTTY === true): Config & { help: boolean, version: boolean } {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(SETTINGS.map(s => [s.flag, { type: 'string' as const }])),
        'log-pretty': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' }
      }
    })
  } catch (err) {
    throw new ConfigError(((err as Error).message.split('\n')[0] ?? '').trim())
  }
  const values = parsed.values as Record<string, string | boolean | undefined>
  const read = (flag: string, name: string): string | undefined => {
    const fromFlag = values[flag]
    if (typeof fromFlag === 'string') return fromFlag
    const fromEnv = env[name]
    // PORT= and HOST= set to nothing are mistakes (an unset variable in a compose file, say), not "use the default".
    if (fromEnv === '' && (name === 'PORT' || name === 'HOST')) throw new ConfigError(`${name} is set but empty: give a value or unset it`)
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
  }
  // Readable lines on a terminal, JSON otherwise; --log-pretty, LOG_PRETTY=1 or LOG_PRETTY=0 decide instead.
  const prettyEnv = env.LOG_PRETTY
  if (prettyEnv !== undefined && prettyEnv !== '' && !['1', '0', 'true', 'false'].includes(prettyEnv)) throw new ConfigError(`LOG_PRETTY must be 1 or 0; got "${prettyEnv}"`)
  const logPretty = values['log-pretty'] === true || (prettyEnv === undefined || prettyEnv === '' ? stdoutIsTTY : prettyEnv === '1' || prettyEnv === 'true')
  const config = buildConfig({
    port: read('port', 'PORT'),
    host: read('host', 'HOST'),
    db: read('db', 'STUDIO_DB'),
    accounts: read('accounts', 'STUDIO_ACCOUNTS'),
    apiKeys: read('api-keys', 'STUDIO_API_KEYS'),
    publicUrl: read('public-url', 'STUDIO_PUBLIC_URL'),
    logLevel: read('log-level', 'LOG_LEVEL'),
    flows: read('flows', 'STUDIO_FLOWS'),
    flowsDir: read('flows-dir', 'STUDIO_FLOWS_DIR'),
    seed: read('seed', 'STUDIO_SEED'),
    adminToken: read('admin-token', 'STUDIO_ADMIN_TOKEN'),
    journalSize: read('journal-size', 'STUDIO_JOURNAL_SIZE'),
    rateLimits: read('rate-limits', 'STUDIO_RATE_LIMITS'),
    checkSignatures: read('check-signatures', 'STUDIO_CHECK_SIGNATURES'),
    eventsUrl: read('events-url', 'STUDIO_EVENTS_URL'),
    httpMap: read('http-map', 'STUDIO_HTTP_MAP'),
    sidSeed: read('sid-seed', 'STUDIO_SID_SEED'),
    logPretty
  })
  return { ...config, help: values.help === true, version: values.version === true }
}

export interface RawSettings {
  port?: string | undefined
  host?: string | undefined
  db?: string | undefined
  accounts?: string | undefined
  apiKeys?: string | undefined
  publicUrl?: string | undefined
  logLevel?: string | undefined
  flows?: string | undefined
  flowsDir?: string | undefined
  seed?: string | undefined
  adminToken?: string | undefined
  journalSize?: string | undefined
  rateLimits?: string | undefined
  checkSignatures?: string | undefined
  eventsUrl?: string | undefined
  httpMap?: string | undefined
  sidSeed?: string | undefined
  logPretty?: boolean
}

/** Validates raw text settings into a Config. */
export function buildConfig (raw: RawSettings, overrides: Overrides = {}): Config {
  const port = parsePort(raw.port ?? '4010')
  const host = raw.host ?? '127.0.0.1'
  const dbPath = raw.db ?? './data/studio.db'
  const parsedAccounts = parseAccounts(raw.accounts ?? '')
  const accounts = parsedAccounts.length > 0 ? parsedAccounts : [DEFAULT_ACCOUNT]
  const apiKeys = parseApiKeys(raw.apiKeys ?? '')
  const publicUrl = raw.publicUrl === undefined ? undefined : parsePublicUrl(raw.publicUrl)
  const logLevel = (raw.logLevel ?? 'info').toLowerCase()
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`)
  }
  const flowsMode = (raw.flows ?? 'auto').toLowerCase()
  if (flowsMode !== 'auto' && flowsMode !== 'strict') throw new ConfigError(`STUDIO_FLOWS must be auto or strict; got "${raw.flows ?? ''}"`)
  const journalSize = raw.journalSize ?? '1000'
  if (!/^\d{1,7}$/.test(journalSize)) throw new ConfigError(`STUDIO_JOURNAL_SIZE must be a whole number from 0 to 9999999; got "${journalSize}"`)
  const rateLimits = onOff('STUDIO_RATE_LIMITS', raw.rateLimits)
  const checkSignatures = onOff('STUDIO_CHECK_SIGNATURES', raw.checkSignatures)
  const eventsUrl = raw.eventsUrl === undefined ? undefined : parseHttpUrl('STUDIO_EVENTS_URL', raw.eventsUrl)
  return Object.freeze({
    port,
    host,
    dbPath,
    accounts: Object.freeze(accounts),
    apiKeys: Object.freeze(apiKeys),
    usingDefaultAccount: parsedAccounts.length === 0,
    publicUrl,
    logLevel: logLevel as LogLevel,
    logPretty: raw.logPretty ?? false,
    flowsMode,
    flowsDir: raw.flowsDir,
    seed: raw.seed,
    adminToken: raw.adminToken,
    journalSize: Number(journalSize),
    rateLimits,
    checkSignatures,
    eventsUrl,
    httpMap: Object.freeze(parseHttpMap(raw.httpMap ?? '')),
    sidSeed: raw.sidSeed,
    ...overrides
  })
}

function parsePort (text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new ConfigError(`PORT must be an integer from 0 to 65535; got "${text}"`)
  return Number(text)
}

function parseAccounts (text: string): AccountCredential[] {
  const seen = new Set<string>()
  return splitList(text).map(entry => {
    const i = entry.indexOf(':')
    const sid = i < 0 ? entry : entry.slice(0, i)
    const authToken = i < 0 ? '' : entry.slice(i + 1)
    if (!isSid('AC', sid)) throw new ConfigError(`STUDIO_ACCOUNTS: "${sid}" is not an account SID (AC followed by 32 hex digits)`)
    if (authToken === '') throw new ConfigError(`STUDIO_ACCOUNTS: account ${sid} has no auth token (expected ACsid:authToken)`)
    if (seen.has(sid)) throw new ConfigError(`STUDIO_ACCOUNTS: account ${sid} is listed twice`)
    seen.add(sid)
    return { sid, authToken }
  })
}

function parseApiKeys (text: string): ApiKeyCredential[] {
  const seen = new Set<string>()
  return splitList(text).map(entry => {
    const parts = entry.split(':')
    const [sid = '', secret = '', accountSid = ''] = parts
    if (parts.length !== 3) throw new ConfigError(`STUDIO_API_KEYS: "${sid}" must be written SKsid:secret:ACsid`)
    if (!isSid('SK', sid)) throw new ConfigError(`STUDIO_API_KEYS: "${sid}" is not an API key SID (SK followed by 32 hex digits)`)
    if (secret === '') throw new ConfigError(`STUDIO_API_KEYS: key ${sid} has an empty secret`)
    if (!isSid('AC', accountSid)) throw new ConfigError(`STUDIO_API_KEYS: key ${sid} names "${accountSid}", which is not an account SID`)
    if (seen.has(sid)) throw new ConfigError(`STUDIO_API_KEYS: key ${sid} is listed twice`)
    seen.add(sid)
    return { sid, secret, accountSid }
  })
}

/**
 * STUDIO_HTTP_MAP: comma-separated `prefix=base` pairs (each split at its first `=`), both absolute http(s) URLs
 * (normalized as WHATWG URLs, so a bare origin ends with `/`), e.g. `https://my-svc-1234.twil.io=http://127.0.0.1:3000`.
 * Longer prefixes are tried first.
 */
function parseHttpMap (text: string): HttpMapping[] {
  const seen = new Set<string>()
  return splitList(text).map(entry => {
    const i = entry.indexOf('=')
    if (i <= 0 || i === entry.length - 1) throw new ConfigError(`STUDIO_HTTP_MAP: "${entry}" is not prefix=base (e.g. https://my-svc-1234.twil.io=http://127.0.0.1:3000)`)
    const prefix = parseHttpUrl('STUDIO_HTTP_MAP prefix', entry.slice(0, i))
    let base = parseHttpUrl('STUDIO_HTTP_MAP base', entry.slice(i + 1))
    // A prefix that ends at a path boundary maps to one: https://a.twil.io/ → http://127.0.0.1:3000/api/
    if (prefix.endsWith('/') && !base.endsWith('/')) base += '/'
    if (seen.has(prefix)) throw new ConfigError(`STUDIO_HTTP_MAP: the prefix ${prefix} is listed twice`)
    seen.add(prefix)
    return { prefix, base }
  }).sort((a, b) => b.prefix.length - a.prefix.length)
}

/** An on/off setting (on, true, 1 / off, false, 0), off when unset. */
function onOff (name: string, text: string | undefined): boolean {
  const value = (text ?? 'off').toLowerCase()
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(value)) throw new ConfigError(`${name} must be on or off; got "${text ?? ''}"`)
  return ['on', 'true', '1'].includes(value)
}

/** A URL as an error message may show it: a password in its user info replaced by ***. */
const withoutPassword = (text: string): string => text.replace(/^([^:/?#]*:\/\/[^:/?#@]*):[^/?#]*@/, '$1:***@')

function parseHttpUrl (name: string, text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL; got "${withoutPassword(text)}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http or https URL; got "${withoutPassword(text)}"`)
  return url.toString()
}

function parsePublicUrl (text: string): string {
  const url = new URL(parseHttpUrl('STUDIO_PUBLIC_URL', text))
  if (url.search !== '' || url.hash !== '') throw new ConfigError('STUDIO_PUBLIC_URL must not carry a query or fragment')
  return url.toString().replace(/\/+$/, '')
}

function splitList (text: string): string[] {
  return text.split(',').map(s => s.trim()).filter(s => s !== '')
}
