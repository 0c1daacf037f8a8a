// Owns the predicates of Studio's Split Based On... widget: one condition's `type`, tested value and condition value → match or not.
//
// Rules (https://www.twilio.com/docs/studio/widget-library/split-based-on): "Studio conditions are not case-sensitive and
// automatically trim leading and trailing spaces of the values." Where Twilio's pages say nothing more, the choice made here is
// written next to the code and in src/engine/README.md.

/** The condition types of a split-based-on transition, in the order Studio's editor lists them
 *  (the same 17 values Twilio's Terraform provider accepts for `conditions[].type`). */
export const SPLIT_PREDICATES = [
  'equal_to',
  'not_equal_to',
  'matches_any_of',
  'does_not_match_any_of',
  'is_blank',
  'is_not_blank',
  'regex',
  'contains',
  'does_not_contain',
  'starts_with',
  'does_not_start_with',
  'less_than',
  'greater_than',
  'is_before_time',
  'is_after_time',
  'is_before_date',
  'is_after_date'
] as const

export type SplitPredicate = typeof SPLIT_PREDICATES[number]

export function isSplitPredicate (type: string): type is SplitPredicate {
  return (SPLIT_PREDICATES as readonly string[]).includes(type)
}

/** A condition whose `type` is not one of SPLIT_PREDICATES. */
export class UnknownSplitPredicateError extends Error {
  readonly type: string

  constructor (type: string) {
    super(`Unknown Split Based On condition type: ${JSON.stringify(type)}`)
    this.name = 'UnknownSplitPredicateError'
    this.type = type
  }
}

export interface EvaluateOptions {
  /** Reserved for the engine's clock. The time and date predicates compare the tested value with the condition's value
   *  and read no clock: flows test the current time by rendering it, e.g. `{{ 'now' | date: '%H:%M' }}`. */
  now?: number
}

/** Case- and space-insensitive form of a value ("not case-sensitive", "trim leading and trailing spaces"). */
function norm (s: string): string {
  return s.trim().toLowerCase()
}

/** The comma-separated alternatives of matches_any_of; empty items (a trailing comma) are ignored. */
function alternatives (value: string): string[] {
  return value.split(',').map(norm).filter((item) => item !== '')
}

/** The whole input must match (Java `Matcher.matches()` style), case-insensitively. An invalid pattern matches nothing. */
function regexMatches (input: string, pattern: string): boolean {
  let re: RegExp
  try {
    re = new RegExp(`^(?:${pattern.trim()})$`, 'i')
  } catch {
    return false
  }
  return re.test(input.trim())
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i

/** A decimal number, or undefined: less_than / greater_than compare numbers only. */
function toNumber (s: string): number | undefined {
  const t = s.trim()
  return DECIMAL.test(t) ? Number(t) : undefined
}

function compareNumbers (input: string, value: string): number | undefined {
  const a = toNumber(input)
  const b = toNumber(value)
  return a === undefined || b === undefined ? undefined : a - b
}

const CLOCK = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?$/i
const HOUR_ONLY = /^(\d{1,2})\s*([ap])\.?\s*m\.?$/i
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/

/** Seconds since midnight for `HH:MM`, `HH:MM:SS`, `h:mm am|pm`, `h am|pm`, or the time written in an ISO 8601 date-time. */
export function parseTimeOfDay (text: string): number | undefined {
  const s = text.trim()
  let h: number
  let m = 0
  let sec = 0
  let meridiem: string | undefined
  let match = CLOCK.exec(s)
  if (match !== null) {
    h = Number(match[1]); m = Number(match[2]); sec = Number(match[3] ?? 0); meridiem = match[4]
  } else if ((match = HOUR_ONLY.exec(s)) !== null) {
    h = Number(match[1]); meridiem = match[2]
  } else if ((match = ISO_DATE_TIME.exec(s)) !== null && parseCalendarDate(s) !== undefined) {
    h = Number(match[4]); m = Number(match[5]); sec = Number(match[6] ?? 0)
  } else {
    return undefined
  }
  if (m > 59 || sec > 59) return undefined
  if (meridiem !== undefined) {
    if (h < 1 || h > 12) return undefined
    h = (h % 12) + (meridiem.toLowerCase() === 'p' ? 12 : 0)
  } else if (h > 23) {
    return undefined
  }
  return h * 3600 + m * 60 + sec
}

const YMD = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ].*)?$/
const MDY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/

/** yyyymmdd as a number for `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY`, or the date written in an ISO 8601 date-time. */
export function parseCalendarDate (text: string): number | undefined {
  const s = text.trim()
  let y: number
  let mo: number
  let d: number
  let match = YMD.exec(s)
  if (match !== null) {
    y = Number(match[1]); mo = Number(match[2]); d = Number(match[3])
  } else if ((match = MDY.exec(s)) !== null) {
    mo = Number(match[1]); d = Number(match[2]); y = Number(match[3])
  } else {
    return undefined
  }
  const probe = new Date(Date.UTC(y, mo - 1, d))
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined
  return y * 10000 + mo * 100 + d
}

function compareParsed (input: string, value: string, parse: (s: string) => number | undefined): number | undefined {
  const a = parse(input)
  const b = parse(value)
  return a === undefined || b === undefined ? undefined : a - b
}

/** Whether one Split Based On condition matches. `input` (the rendered Variable to Test) and `value` are already rendered by the caller.
 *  Throws UnknownSplitPredicateError for a type Studio does not have. */
export function evaluateCondition (type: string, input: string, value: string, _opts: EvaluateOptions = {}): boolean {
  switch (type) {
    case 'equal_to': return norm(input) === norm(value)
    case 'not_equal_to': return norm(input) !== norm(value)
    case 'matches_any_of': return alternatives(value).includes(norm(input))
    case 'does_not_match_any_of': return !alternatives(value).includes(norm(input))
    case 'is_blank': return norm(input) === ''
    case 'is_not_blank': return norm(input) !== ''
    case 'regex': return regexMatches(input, value)
    case 'contains': return norm(input).includes(norm(value))
    case 'does_not_contain': return !norm(input).includes(norm(value))
    case 'starts_with': return norm(input).startsWith(norm(value))
    case 'does_not_start_with': return !norm(input).startsWith(norm(value))
    case 'less_than': return (compareNumbers(input, value) ?? 0) < 0
    case 'greater_than': return (compareNumbers(input, value) ?? 0) > 0
    case 'is_before_time': return (compareParsed(input, value, parseTimeOfDay) ?? 0) < 0
    case 'is_after_time': return (compareParsed(input, value, parseTimeOfDay) ?? 0) > 0
    case 'is_before_date': return (compareParsed(input, value, parseCalendarDate) ?? 0) < 0
    case 'is_after_date': return (compareParsed(input, value, parseCalendarDate) ?? 0) > 0
    default: throw new UnknownSplitPredicateError(type)
  }
}
