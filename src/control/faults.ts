// Fault rules for the control API: make matching Twilio API requests fail on purpose (an error status and code,
// added latency, or a dropped connection), for the next N matches or with a probability.
import { TwilioError } from '../twilio/errors.js'
import { newSid } from '../twilio/sid.js'
import { compileGlob, type PathMatcher } from './glob.js'

export interface FaultRule {
  id: string
  /** HTTP method, or '*' for any. */
  method: string
  /** Path pattern: `*` one segment, `**` any (e.g. /v2/Flows/*\/Executions). */
  path: string
  account_sid: string | null
  /** Answer with this status and Twilio error code/message (when set). */
  status: number | null
  code: number | null
  message: string | null
  /** Wait this long before answering (or failing). */
  latency_ms: number
  /** Close the connection without an answer. */
  drop: boolean
  /** Matches left before the rule removes itself; null for unlimited. */
  remaining: number | null
  /** Chance that a matching request is affected (0..1). */
  probability: number
  /** How many requests this rule has affected. */
  matched: number
  created_at: string
}

export type FaultService = ReturnType<typeof createFaultService>

const invalid = (why: string) => new TwilioError(400, 20001, `Invalid fault rule: ${why}`)

export function createFaultService (random: () => number = Math.random) {
  const rules: Array<{ rule: FaultRule, pattern: PathMatcher }> = []

  /** Validates and adds a rule from the control API's JSON body. */
  function add (input: unknown): FaultRule {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw invalid('the body must be a JSON object')
    const b = input as Record<string, unknown>
    const known = ['method', 'path', 'account_sid', 'status', 'code', 'message', 'latency_ms', 'drop', 'times', 'probability']
    const unknown = Object.keys(b).filter(k => !known.includes(k))
    if (unknown.length > 0) throw invalid(`unknown fields ${unknown.join(', ')} (known: ${known.join(', ')})`)
    if (typeof b.path !== 'string' || !b.path.startsWith('/')) throw invalid('path is required and must start with /')
    const method = b.method === undefined ? '*' : typeof b.method === 'string' ? b.method.toUpperCase() : undefined
    if (method === undefined) throw invalid('method must be a string')
    const status = b.status ?? null
    if (status !== null && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) throw invalid('status must be an HTTP error status (400-599)')
    const code = b.code ?? null
    if (code !== null && (typeof code !== 'number' || !Number.isInteger(code))) throw invalid('code must be an integer')
    const message = b.message ?? null
    if (message !== null && typeof message !== 'string') throw invalid('message must be a string')
    const latency = b.latency_ms ?? 0
    if (typeof latency !== 'number' || latency < 0 || latency > 600_000) throw invalid('latency_ms must be a number from 0 to 600000')
    const drop = b.drop ?? false
    if (typeof drop !== 'boolean') throw invalid('drop must be a boolean')
    const times = b.times ?? null
    if (times !== null && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) throw invalid('times must be a positive integer')
    const probability = b.probability ?? 1
    if (typeof probability !== 'number' || probability < 0 || probability > 1) throw invalid('probability must be a number from 0 to 1')
    const account = b.account_sid ?? null
    if (account !== null && typeof account !== 'string') throw invalid('account_sid must be a string')
    if (status === null && !drop && latency === 0) throw invalid('give status (with code and message), latency_ms, or drop')
    const rule: FaultRule = {
      id: newSid('FR'),
      method,
      path: b.path,
      account_sid: account,
      status,
      code: status === null ? null : code ?? 20000 + status,
      message: status === null ? null : message ?? 'Fault injected by Studio Emulator',
      latency_ms: latency,
      drop,
      remaining: times,
      probability,
      matched: 0,
      created_at: new Date().toISOString()
    }
    rules.push({ rule, pattern: compileGlob(rule.path) })
    return rule
  }

  /** The first rule matching the request, counted as used (and removed when its count runs out). */
  function match (method: string, path: string, accountSid: string | undefined): FaultRule | undefined {
    for (let i = 0; i < rules.length; i++) {
      const { rule, pattern } = rules[i] as { rule: FaultRule, pattern: PathMatcher }
      if (rule.method !== '*' && rule.method !== method) continue
      if (rule.account_sid !== null && rule.account_sid !== accountSid) continue
      if (!pattern(path)) continue
      if (rule.probability < 1 && !(random() < rule.probability)) continue
      rule.matched++
      if (rule.remaining !== null && --rule.remaining === 0) rules.splice(i, 1)
      return { ...rule }
    }
    return undefined
  }

  function list (): FaultRule[] { return rules.map(r => ({ ...r.rule })) }

  function remove (id: string): boolean {
    const i = rules.findIndex(r => r.rule.id === id)
    if (i < 0) return false
    rules.splice(i, 1)
    return true
  }

  function clear (): void { rules.length = 0 }

  return { add, match, list, remove, clear }
}
