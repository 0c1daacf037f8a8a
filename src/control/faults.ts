// Fault rules for the control API: make matching Twilio API requests fail on purpose (an error status and code,
// added latency, or a dropped connection), for the next N matches or with a probability.
import { invalidFaultRule } from '../twilio/errors.js'
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

/**
 * A fault rule as the control API takes it. The route's JSON schema (http/control-schemas.ts) has refused unknown
 * fields and wrong types, and the ranges of latency_ms, times and probability; null means the default.
 */
export interface FaultRuleInput {
  method?: string
  path: string
  account_sid?: string | null
  status?: number | null
  code?: number | null
  message?: string | null
  latency_ms?: number | null
  drop?: boolean | null
  times?: number | null
  probability?: number | null
}

export function createFaultService (random: () => number = Math.random) {
  const rules: Array<{ rule: FaultRule, pattern: PathMatcher }> = []

  /** Adds a rule from the control API's JSON body, after the checks that need more than one field's type. */
  function add (input: FaultRuleInput): FaultRule {
    if (!input.path.startsWith('/')) throw invalidFaultRule('path must start with /')
    const method = input.method === undefined ? '*' : input.method.toUpperCase()
    const status = input.status ?? null
    if (status !== null && (status < 400 || status > 599)) throw invalidFaultRule('status must be an HTTP error status (400-599)')
    const code = input.code ?? null
    const message = input.message ?? null
    const latency = input.latency_ms ?? 0
    const drop = input.drop ?? false
    const times = input.times ?? null
    const probability = input.probability ?? 1
    const account = input.account_sid ?? null
    if (status === null && !drop && latency === 0) throw invalidFaultRule('give status (with code and message), latency_ms, or drop')
    const rule: FaultRule = {
      id: newSid('FR'),
      method,
      path: input.path,
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
