// Owns Studio's Liquid templating: liquidjs configured with the rules Twilio documents for Studio (see src/engine/README.md).
import {
  Context,
  filters as builtinFilters,
  ForTag,
  Hash,
  Liquid,
  Parser,
  TablerowTag,
  TagToken,
  Template,
  TopLevelToken
} from 'liquidjs'

/** What liquidjs binds `this` to when it calls a filter. */
interface FilterThis { context: Context }
type FilterFunction = (this: FilterThis, value: unknown, ...args: unknown[]) => unknown

/** Studio renders Liquid dates in Pacific time: "When you're using Liquid time and date templates in Studio, the timezone used is PST."
 *  https://support.twilio.com/hc/en-us/articles/4413699936411-How-do-I-use-Liquid-with-Twilio-Studio */
export const STUDIO_TIME_ZONE = 'America/Los_Angeles'

/** "Liquid Template loops: Limited to 15 iterations per Liquid Template loop." https://www.twilio.com/docs/studio/user-guide/studio-faq */
export const LIQUID_LOOP_LIMIT = 15

const PARSE_CACHE_SIZE = 1000
const RENDER_TIME_LIMIT_MS = 2000
const NOW = Symbol('studio-now')

export type TemplateErrorKind = 'parse' | 'render'

/** A template that Studio's Liquid cannot parse or render. The engine decides what this means for the widget (usually its `failed` transition). */
export class StudioTemplateError extends Error {
  readonly kind: TemplateErrorKind
  readonly template: string

  constructor (kind: TemplateErrorKind, template: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    super(`Liquid ${kind} error: ${reason}`, { cause })
    this.name = 'StudioTemplateError'
    this.kind = kind
    this.template = template
  }
}

export interface RenderOptions {
  /** Epoch milliseconds used for `'now'` / `'today'`; defaults to the real clock. */
  now?: number
}

// ---------------------------------------------------------------------------
// Loops: a hidden `limit` of 15 on every `for` and `tablerow`.
// Applied after `offset` and before `reversed`, like an explicit `limit:` (Shopify order).

function capLoop (hash: Hash): void {
  const render = hash.render.bind(hash)
  hash.render = function * (ctx: Context) {
    const values = yield * render(ctx)
    const asked = values.limit === undefined ? LIQUID_LOOP_LIMIT : Math.trunc(Number(values.limit)) || 0
    values.limit = Math.min(Math.max(asked, 0), LIQUID_LOOP_LIMIT)
    return values
  }
}

class StudioForTag extends ForTag {
  constructor (token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser)
    capLoop(this.hash)
  }
}

class StudioTablerowTag extends TablerowTag {
  constructor (token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser)
    capLoop(this.args)
  }
}

// ---------------------------------------------------------------------------
// Dates in Pacific time.

const pacificParts = new Intl.DateTimeFormat('en-US', {
  timeZone: STUDIO_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric'
})
const pacificName = new Intl.DateTimeFormat('en-US', { timeZone: STUDIO_TIME_ZONE, timeZoneName: 'short' })

/** Pacific offset from UTC in minutes at instant `t` (-480 in winter, -420 in summer). */
function pacificOffset (t: number): number {
  const p: Record<string, number> = {}
  for (const part of pacificParts.formatToParts(new Date(t))) p[part.type] = Number(part.value)
  const wall = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0)
  return Math.round((wall - Math.floor(t / 1000) * 1000) / 60000)
}

/** The instant at which Pacific wall-clock time reads the given fields. */
function fromPacificWallClock (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  const first = wall - pacificOffset(wall) * 60000
  return wall - pacificOffset(first) * 60000
}

function pacificAbbreviation (t: number): string {
  return pacificName.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')?.value ?? 'PT'
}

const ISO_DATE_TIME = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i
const EXPLICIT_ZONE = /(?:\bZ|\bUTC|\bGMT|[+-]\d{2}:?\d{2})\s*$/i

/** undefined: not ISO 8601; null: ISO 8601 but not a real date or time. */
function parseIso (s: string): number | null | undefined {
  const m = ISO_DATE_TIME.exec(s)
  if (m === null) return undefined
  const [y, mo, d, h = 0, mi = 0, sec = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x)))
  const ms = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000
  if (y === undefined || mo === undefined || d === undefined) return null
  const probe = new Date(Date.UTC(y, mo - 1, d))
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return null
  const zone = m[8]
  if (zone === undefined) return fromPacificWallClock(y, mo, d, h, mi, sec, ms)
  let offset = 0
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '')
    offset = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0))
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset * 60000
}

/** The instant a `date` filter input stands for, or undefined when it is not a date (the filter then returns its input). */
function toInstant (input: unknown, now: number): number | undefined {
  if (input instanceof Date) return Number.isNaN(input.getTime()) ? undefined : input.getTime()
  if (typeof input === 'number') return Number.isFinite(input) ? input * 1000 : undefined
  if (typeof input !== 'string') return undefined
  if (input === 'now' || input === 'today') return now
  if (/^\d+$/.test(input)) return Number(input) * 1000
  const s = input.trim()
  const iso = parseIso(s)
  if (iso !== undefined) return iso ?? undefined
  const parsed = new Date(s)
  if (Number.isNaN(parsed.getTime())) return undefined
  if (EXPLICIT_ZONE.test(s)) return parsed.getTime()
  // No zone written: the fields as written are Pacific wall-clock time (JavaScript read them in the process's zone).
  return fromPacificWallClock(parsed.getFullYear(), parsed.getMonth() + 1, parsed.getDate(), parsed.getHours(), parsed.getMinutes(), parsed.getSeconds(), parsed.getMilliseconds())
}

const liquidjsDate = builtinFilters.date as FilterFunction

function studioDate (this: FilterThis, input: unknown, format?: unknown): unknown {
  // Shopify's `date` returns its input unchanged when no format is given.
  const fmt = format === undefined || format === null ? '' : String(format)
  if (fmt === '') return input
  const nowValue = (this.context.globals as Record<symbol, unknown>)[NOW]
  const t = toInstant(input, typeof nowValue === 'number' ? nowValue : Date.now())
  if (t === undefined) return input
  const withZoneName = fmt.replace(/%%|%Z/g, (m) => (m === '%Z' ? pacificAbbreviation(t) : m))
  return liquidjsDate.call(this, t / 1000, withZoneName)
}

// ---------------------------------------------------------------------------
// Numbers: Shopify's integer rules.

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/

function isIntegerOperand (v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v)
  if (typeof v === 'string') return INTEGER_TEXT.test(v)
  return false
}

function toNumber (v: unknown): number {
  if (typeof v === 'number') return v
  const n = Number(typeof v === 'string' ? v.trim() : v)
  return Number.isNaN(n) ? 0 : n
}

/** Shopify: "If you divide by an integer, the result will be rounded down to the nearest integer"; a float divisor gives a float. */
function dividedBy (input: unknown, divisor: unknown): number {
  const a = toNumber(input)
  const b = toNumber(divisor)
  if (isIntegerOperand(input) && isIntegerOperand(divisor)) {
    if (b === 0) throw new Error('divided by 0')
    return Math.floor(a / b)
  }
  return a / b
}

// ---------------------------------------------------------------------------
// Output: what `{{ }}` prints. Studio is a Java service: an object prints as a Java Map prints
// (`{k1=v1, k2=v2}`), an array inside it as a Java List prints (`[a, b]`); an array on its own prints its
// elements joined, as Liquid (Shopify and the Java port liqp) does. Filters see the real values; only the
// final text changes. `to_json` gives JSON.

function toJson (value: unknown): string {
  return JSON.stringify(value === undefined ? null : value)
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** `String.valueOf(v)` in Java for the value a JSON document holds: strings unquoted, `null`, `{k=v, …}` (keys in document order), `[a, b]`. */
function javaText (value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return `[${value.map(javaText).join(', ')}]`
  if (isPlainObject(value)) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
    return `{${entries.map(([key, item]) => `${key}=${javaText(item)}`).join(', ')}}`
  }
  return String(value)
}

/** The text a value prints as in `{{ }}` (liquidjs `outputEscape`): the one place output is stringified. */
function outputText (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) return value.map(outputText).join('')
  if (isPlainObject(value)) return javaText(value)
  return String(value)
}

const liquidjsSize = builtinFilters.size as FilterFunction

/** `size` of a hash is its number of keys (Shopify, and `hash.size` already); liquidjs's filter gives 0. */
function size (this: FilterThis, value: unknown): unknown {
  return isPlainObject(value) ? Object.keys(value).length : liquidjsSize.call(this, value)
}

// ---------------------------------------------------------------------------

function createEngine (): Liquid {
  const engine = new Liquid({
    timezoneOffset: STUDIO_TIME_ZONE,
    locale: 'en-US',
    strictVariables: false,
    strictFilters: false,
    jsTruthy: false,
    ownPropertyOnly: true,
    // No file system: `include`, `render` and `layout` find no templates.
    templates: {},
    outputEscape: outputText,
    renderLimit: RENDER_TIME_LIMIT_MS
  })
  engine.registerTag('for', StudioForTag)
  engine.registerTag('tablerow', StudioTablerowTag)
  engine.registerFilter('date', studioDate)
  engine.registerFilter('divided_by', dividedBy)
  engine.registerFilter('to_json', toJson)
  engine.registerFilter('size', size)
  return engine
}

const engine = createEngine()
const parseCache = new Map<string, Template[] | StudioTemplateError>()

function parse (template: string): Template[] {
  let entry = parseCache.get(template)
  if (entry === undefined) {
    try {
      entry = engine.parse(template)
    } catch (err) {
      entry = new StudioTemplateError('parse', template, err)
    }
    if (parseCache.size >= PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value as string)
  } else {
    parseCache.delete(template)
  }
  parseCache.set(template, entry)
  if (entry instanceof StudioTemplateError) throw entry
  return entry
}

function hasMarkup (template: string): boolean {
  return template.includes('{{') || template.includes('{%')
}

// ---------------------------------------------------------------------------
// The common case without liquidjs: text and `{{ a.b.c }}` outputs, each with at most one `plus`, `minus` or
// `times` by a number literal. Each output is what liquidjs gives for it (with this engine's options): the path read
// through own properties of plain objects from the context, the arithmetic on `+value || 0` (liquidjs toNumber),
// then outputText. Anything else (an array, a string or other value met mid-path, `size`/`first`/`last`, a name
// Object.prototype has, whitespace control, tags) goes to liquidjs. test/engine/liquid.test.ts renders the same
// templates both ways.

interface FastOutput { path: string[], op: 'plus' | 'minus' | 'times' | undefined, arg: number }
type FastPart = string | FastOutput

const FAST_OUTPUT = /\{\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*(?:\|\s*(plus|minus|times)\s*:\s*(\d+(?:\.\d+)?)\s*)?\}\}/g
const SPECIAL_KEYS = new Set(['size', 'first', 'last'])
const fastCache = new Map<string, FastPart[] | null>()
/** What fastValue answers when liquidjs must render the template. */
const SLOW = Symbol('slow')

const plainText = (text: string): boolean => !text.includes('{{') && !text.includes('{%') && !text.includes('}}') && !text.includes('%}')

function compileFast (template: string): FastPart[] | null {
  const parts: FastPart[] = []
  let last = 0
  for (const m of template.matchAll(FAST_OUTPUT)) {
    const text = template.slice(last, m.index)
    if (!plainText(text)) return null
    if (text !== '') parts.push(text)
    const path = (m[1] as string).split('.')
    if (path.some(key => SPECIAL_KEYS.has(key) || key in Object.prototype)) return null
    parts.push({ path, op: m[2] as FastOutput['op'], arg: m[3] === undefined ? 0 : Number(m[3]) })
    last = m.index + m[0].length
  }
  const tail = template.slice(last)
  if (!plainText(tail)) return null
  if (tail !== '') parts.push(tail)
  return parts
}

function fastValue (context: Record<string, unknown>, output: FastOutput): unknown {
  let value: unknown = context
  for (const key of output.path) {
    if (value === null || value === undefined) break
    if (!isPlainObject(value)) return SLOW
    value = Object.hasOwn(value, key) ? value[key] : undefined
    if (typeof value === 'function') return SLOW
  }
  if (output.op === undefined) return value
  const n = (+(value as number) || 0)
  return output.op === 'plus' ? n + output.arg : output.op === 'minus' ? n - output.arg : n * output.arg
}

/** The template rendered without liquidjs, or undefined when it needs liquidjs. */
function renderFast (template: string, context: Record<string, unknown>): string | undefined {
  let parts = fastCache.get(template)
  if (parts === undefined) {
    parts = compileFast(template)
    if (fastCache.size >= PARSE_CACHE_SIZE) fastCache.delete(fastCache.keys().next().value as string)
    fastCache.set(template, parts)
  }
  if (parts === null) return undefined
  let out = ''
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part
      continue
    }
    const value = fastValue(context, part)
    if (value === SLOW) return undefined
    out += outputText(value)
  }
  return out
}

/** Throws StudioTemplateError (kind `parse`) if Studio's Liquid cannot parse the template. */
export function checkTemplate (template: string): void {
  if (hasMarkup(template)) parse(template)
}

/** Renders one template the way Studio does. Throws StudioTemplateError when it cannot be parsed or rendered. */
export function renderTemplate (template: string, context: Record<string, unknown>, opts: RenderOptions = {}): string {
  if (!hasMarkup(template)) return template
  const fast = renderFast(template, context)
  if (fast !== undefined) return fast
  const templates = parse(template)
  try {
    const out: unknown = engine.renderSync(templates, context, { globals: { [NOW]: opts.now ?? Date.now() } })
    return typeof out === 'string' ? out : outputText(out)
  } catch (err) {
    throw new StudioTemplateError('render', template, err)
  }
}

/** Renders every string inside a JSON-like value (widget properties); other values and object keys are kept as they are. */
export function renderValue<T> (value: T, context: Record<string, unknown>, opts: RenderOptions = {}): T {
  if (typeof value === 'string') return renderTemplate(value, context, opts) as T
  if (Array.isArray(value)) return value.map((item: unknown) => renderValue(item, context, opts)) as T
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = renderValue(item, context, opts)
    return out as T
  }
  return value
}
