// Test helpers: a fresh app on ':memory:' with two accounts and an API key, credentials, and form bodies.
import type { TestContext } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { buildApp, type AppOptions } from '../../src/app.js'
import { buildConfig, type Config } from '../../src/config.js'

export const ACCOUNT_A = { sid: 'AC11111111111111111111111111111111', authToken: 'token-a-0123456789abcdef01234567' }
export const ACCOUNT_B = { sid: 'AC22222222222222222222222222222222', authToken: 'token-b-0123456789abcdef01234567' }
export const KEY_A = { sid: 'SK33333333333333333333333333333333', secret: 'secret-for-key-a', accountSid: ACCOUNT_A.sid }

export const FLOW = 'FW0123456789abcdef0123456789abcdef'
export const OTHER_FLOW = 'FWfedcba9876543210fedcba9876543210'

export function testConfig (raw: Parameters<typeof buildConfig>[0] = {}, overrides: Partial<Config> = {}): Config {
  return buildConfig({
    db: ':memory:',
    accounts: `${ACCOUNT_A.sid}:${ACCOUNT_A.authToken},${ACCOUNT_B.sid}:${ACCOUNT_B.authToken}`,
    apiKeys: `${KEY_A.sid}:${KEY_A.secret}:${KEY_A.accountSid}`,
    logLevel: 'silent',
    ...raw
  }, overrides)
}

export async function buildTestApp (t: TestContext, opts: Partial<AppOptions> & { raw?: Parameters<typeof buildConfig>[0] } = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: opts.config ?? testConfig(opts.raw), ...opts })
  t.after(async () => { await app.close() })
  return app
}

type Principal = { sid: string, authToken: string } | { sid: string, secret: string }

export function authHeader (who: Principal = ACCOUNT_A): string {
  const secret = 'authToken' in who ? who.authToken : who.secret
  return 'Basic ' + Buffer.from(`${who.sid}:${secret}`).toString('base64')
}

export function form (fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) {
    for (const value of Array.isArray(v) ? v : [v]) params.append(k, value)
  }
  return params.toString()
}

/** A request as the helper libraries send it: Basic auth, form-encoded body. */
export async function call (app: FastifyInstance, method: InjectOptions['method'], url: string, body?: Record<string, string | string[]>, who: Principal = ACCOUNT_A) {
  const res = await app.inject({
    method,
    url,
    headers: {
      authorization: authHeader(who),
      ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' })
    },
    ...(body !== undefined && { payload: form(body) })
  })
  return { status: res.statusCode, headers: res.headers, body: res.body === '' ? undefined : JSON.parse(res.body), raw: res }
}

export async function createExecution (app: FastifyInstance, fields: Partial<Record<'To' | 'From' | 'Parameters', string>> = {}, opts: { flow?: string, version?: 'v1' | 'v2', who?: Principal } = {}) {
  return await call(app, 'POST', `/${opts.version ?? 'v1'}/Flows/${opts.flow ?? FLOW}/Executions`,
    { To: '+15551230000', From: '+15557650000', ...fields }, opts.who)
}

export function assertTwilioError (res: { status: number, body: any, headers: Record<string, unknown> }, status: number, code: number, message?: string | RegExp): void {
  const problems: string[] = []
  if (res.status !== status) problems.push(`status ${res.status} ≠ ${status}`)
  if (res.body?.code !== code) problems.push(`code ${res.body?.code} ≠ ${code}`)
  if (res.body?.status !== status) problems.push(`body.status ${res.body?.status} ≠ ${status}`)
  if (res.body?.more_info !== `https://www.twilio.com/docs/errors/${code}`) problems.push(`more_info ${res.body?.more_info}`)
  const keys = Object.keys(res.body ?? {}).filter(k => !['code', 'message', 'more_info', 'status', 'details', 'detail'].includes(k))
  if (keys.length > 0) problems.push(`extra keys ${keys.join(',')}`)
  if (typeof res.body?.message !== 'string') problems.push('no message')
  else if (message instanceof RegExp ? !message.test(res.body.message) : message !== undefined && res.body.message !== message) problems.push(`message "${res.body.message}"`)
  if (res.headers['content-type'] !== 'application/json') problems.push(`content-type ${String(res.headers['content-type'])} (Twilio's is application/json, no charset)`)
  if (problems.length > 0) throw new Error(`not the expected Twilio error: ${problems.join('; ')}\n${JSON.stringify(res.body)}`)
}

/** Waits until the flow engine has nothing in progress (GET /__emulator/idle). */
export async function idle (app: FastifyInstance): Promise<void> {
  const res = await app.inject({ method: 'GET', url: '/__emulator/idle?timeout_ms=20000' })
  if (res.statusCode !== 200) throw new Error(`the engine did not become idle: ${res.body}`)
}
