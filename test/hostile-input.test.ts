// Hostile input, generated: thousands of malformed, oversized, duplicated, mis-encoded and SQL-looking requests
// against every route (Twilio v1/v2, the inbound webhook, the control API, health). Whatever comes in, the
// emulator answers below 500, every refusal is Twilio's JSON error, and a refused request changes no stored data.
// HOSTILE_RUNS sets the number of generated requests (default 1500), HOSTILE_SEED replays a run, HOSTILE_SHRINK=1
// shrinks a failure to a smaller request, HOSTILE_LOG=error prints the server's log.
import assert from 'node:assert/strict'
import { isDeepStrictEqual } from 'node:util'
import { test, type TestContext } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { ACCOUNT_A, ACCOUNT_B, FLOW, KEY_A, OTHER_FLOW, authHeader, buildTestApp, call, createExecution, form } from './support/helper.js'
import { greetingDefinition } from './support/flows.js'
import { operations } from './support/spec.js'
import {
  BROKEN_ESCAPES, SQL_INJECTIONS, basic, draw, hostileText, jsonText, nestedJson, percentEncode, pick,
  pickInt, startEmulator, twilioErrorProblems, unknownSid, weighted
} from './support/properties.js'

const RUNS = Number(process.env.HOSTILE_RUNS ?? 1500)
const SEED = process.env.HOSTILE_SEED === undefined ? undefined : Number(process.env.HOSTILE_SEED)
/** Shrinking replays requests many times over (long values shrink one character at a time): off unless asked for. */
const SHRINK = process.env.HOSTILE_SHRINK === '1'

// ---------------------------------------------------------------------------------------------------------------
// The seeded state every request meets, and the harness that checks one request.

interface Fixture {
  app: FastifyInstance
  /** Values that name something for each kind of path segment. */
  flows: string[]
  executions: string[]
  steps: string[]
  /** Flow, execution and step that belong together, so that generated paths often name a real resource. */
  targets: Array<{ flow: string, execution: string, step?: string | undefined }>
  seed: any
  /** The seed as GET /__emulator/snapshot writes it: the same data gives the same text. */
  seedText: string
}

async function admin (app: FastifyInstance, method: InjectOptions['method'], url: string, body?: unknown) {
  const res = await app.inject({ method, url, ...(body !== undefined && { payload: body as object }) })
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json() }
}

async function snapshot (app: FastifyInstance): Promise<unknown> {
  const res = await admin(app, 'GET', '/__emulator/snapshot')
  assert.equal(res.status, 200)
  return res.body
}

async function snapshotText (app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/__emulator/snapshot' })
  assert.equal(res.statusCode, 200)
  return res.body
}

/** A v2 flow that ran (steps), a draft, v1 executions active and ended, an Engagement, and account B's data. */
/** A flow of account B's (registered on first use). */
const B_FLOW = 'FW' + 'b'.repeat(32)

async function seeded (t: TestContext): Promise<Fixture> {
  // HOSTILE_LOG=error shows the server's own account of a failure (the stack of a 500).
  const app = await buildTestApp(t, { raw: { logLevel: (process.env.HOSTILE_LOG ?? 'silent') as 'silent' } })
  await app.ready()
  const definition = JSON.stringify(greetingDefinition())
  const greeting = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'greeting', Status: 'published', Definition: definition })).body.sid
  const draft = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'draft', Status: 'draft', Definition: definition })).body.sid
  await call(app, 'POST', `/v2/Flows/${greeting}/TestUsers`, { TestUsers: ['+15550001111'] })
  const ran = (await createExecution(app, { To: '+15551110000', Parameters: '{"name":"Zeke"}' }, { version: 'v2', flow: greeting })).body.sid
  const active = (await createExecution(app, { To: '+15552220000' })).body.sid
  const ended = (await createExecution(app, { To: '+15553330000' })).body.sid
  await call(app, 'POST', `/v1/Flows/${FLOW}/Executions/${ended}`, { Status: 'ended' })
  const engagement = (await call(app, 'POST', `/v1/Flows/${OTHER_FLOW}/Engagements`, { To: '+15554440000', From: '+15550000000' })).body.sid
  // Account B's own flow (FlowSids are global: A's are 404 for B).
  const other = (await createExecution(app, { To: '+15555550000' }, { who: ACCOUNT_B, flow: B_FLOW })).body.sid
  assert.match(other, /^FN/)
  assert.equal((await admin(app, 'GET', '/__emulator/idle')).status, 200)
  const steps = (await call(app, 'GET', `/v2/Flows/${greeting}/Executions/${ran}/Steps`)).body.steps.map((s: { sid: string }) => s.sid)
  assert.ok(steps.length > 0, 'the seeded v2 execution recorded steps')
  const seedText = await snapshotText(app)
  const seed = JSON.parse(seedText)
  // The last target's FlowSid is registered nowhere: a create under it registers it, a refused one must not.
  const targets = [{ flow: greeting, execution: ran, step: steps[0] }, { flow: FLOW, execution: active }, { flow: FLOW, execution: ended },
    { flow: OTHER_FLOW, execution: engagement }, { flow: FLOW, execution: other }, { flow: B_FLOW, execution: other }, { flow: 'FW0000000000000000000000000000fe55', execution: active }]
  return { app, flows: [greeting, draft, FLOW, OTHER_FLOW, B_FLOW], executions: [ran, active, ended, engagement, other], steps, targets, seed, seedText }
}

interface Hostile {
  method: string
  url: string
  headers: Record<string, string | string[]>
  payload?: string | Buffer
}

interface Answer {
  status: number
  headers: Record<string, unknown>
  body: string
}

const pathOf = (url: string) => url.split('?', 1)[0] ?? url

function describe (req: Hostile): string {
  const payload = req.payload === undefined
    ? 'none'
    : Buffer.isBuffer(req.payload) ? `<${req.payload.length} bytes> ${req.payload.subarray(0, 120).toString('hex')}` : `<${req.payload.length} chars> ${JSON.stringify(req.payload.slice(0, 300))}`
  const headers = JSON.stringify(req.headers, (_k, v: unknown) => typeof v === 'string' && v.length > 200 ? `${v.slice(0, 60)}…<${v.length} chars>` : v)
  return `${req.method} ${JSON.stringify(req.url.length > 400 ? req.url.slice(0, 400) + '…' : req.url)}\n  headers ${headers}\n  body ${payload}`
}

/** Methods that only read: accepted, they leave stored data as it was. */
const READS = new Set(['GET', 'HEAD'])
/**
 * Refused requests sent before the stored data is compared with the seed once. A change is then traced to its
 * request by replaying the batch one at a time. HOSTILE_SHRINK=1 compares after each request, so that fast-check
 * shrinks the request that made the change.
 */
const BATCH = SHRINK ? 1 : 64

interface Sent { req: Hostile, refused: boolean }

/**
 * Sends requests and checks each answer at once: below 500, a Twilio-Request-Id, Twilio's error shape for a
 * refusal. That a refused request changed no stored data is checked per batch (settle()): the data is compared
 * with the seed once for a batch of requests that were refused (or accepted reads), before any request that could
 * be accepted and write, and before the test ends. An accepted write is undone (the seed put back) at once.
 */
class Harness {
  readonly statuses = new Map<number, number>()
  requests = 0
  refused = 0
  /** Requests since the stored data was last seen equal to the seed: refused ones and accepted reads. */
  private pending: Sent[] = []
  constructor (readonly fx: Fixture, t: TestContext) {
    t.after(() => { assert.equal(this.pending.length, 0, 'the test ended without settle(): refused requests went unchecked') })
  }

  /** Sends one request and checks the answer; leaves the seeded state (and clock, faults, choices) as it was. */
  async check (req: Hostile): Promise<void> {
    // This one may be accepted and write: first make sure the refused ones before it changed nothing.
    if (!READS.has(req.method) && this.pending.some(p => p.refused)) await this.settle()
    this.requests++
    const answer = await this.send(req)
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1)
    const where = () => `${describe(req)}\n  → ${answer.status} ${answer.body.slice(0, 400)}`
    // GET / (also reached as /healthz/.. once the path is normalized) sends a person to the inspector.
    const toInspector = (answer.status === 302 || answer.status === 303) && /^\/__emulator\/ui\/(login)?$/.test(String(answer.headers.location))
    const refused = (answer.status < 200 || answer.status > 299) && !toInspector
    try {
      assert.ok(answer.status < 500, `a 5xx answer:\n${where()}`)
      assert.match(String(answer.headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/, `no Twilio-Request-Id:\n${where()}`)
      if (refused && req.method !== 'HEAD') {
        const problems = twilioErrorProblems(answer.status, answer.headers, answer.body)
        assert.deepEqual(problems, [], `not Twilio's error shape:\n${where()}`)
      }
    } catch (err) {
      // The next run (fast-check shrinking) meets the seed again.
      this.pending = []
      await this.putSeedBack()
      throw err
    }
    if (refused) this.refused++
    if (refused || READS.has(req.method)) {
      this.pending.push({ req, refused })
      if (this.pending.length >= BATCH) await this.settle()
      return
    }
    // An accepted write: undo it, so that the next request meets the seed again.
    this.pending = []
    await this.putSeedBack()
  }

  /** Compares the stored data with the seed once for the pending batch; names the request that changed it. */
  async settle (): Promise<void> {
    const batch = this.pending
    this.pending = []
    if (batch.length === 0) return
    if (this.isSeed(await this.settledData())) return
    // Something in the batch changed stored data: from the seed again, replay it one request at a time.
    await this.putSeedBack()
    for (const { req, refused } of batch) {
      const answer = await this.send(req)
      const after = await this.settledData()
      if (this.isSeed(after)) continue
      await this.putSeedBack()
      if (refused || answer.status < 200 || answer.status > 299) {
        const where = `${describe(req)}\n  → ${answer.status} ${answer.body.slice(0, 400)} (replayed alone; the first time it was ${refused ? 'refused' : 'accepted'})`
        assert.deepEqual(JSON.parse(after), this.fx.seed, `a refused request changed stored data:\n${where}`)
      }
      // An accepted read that wrote is not what this test checks; it is undone above.
    }
    if (batch.some(p => p.refused)) {
      assert.fail(`a batch of ${batch.length} refused requests (and reads) changed stored data, though none did when replayed alone:\n${batch.map(p => describe(p.req)).join('\n')}`)
    }
  }

  private async send (req: Hostile): Promise<Answer> {
    const res = await this.fx.app.inject({ method: req.method as InjectOptions['method'], url: req.url, headers: req.headers, ...(req.payload !== undefined && { payload: req.payload }) })
    try {
      return { status: res.statusCode, headers: res.headers, body: res.body }
    } finally {
      await this.restoreControls(req)
    }
  }

  /** Puts back what a request to the control API may have changed outside the data: clock, faults, widget choices. */
  private async restoreControls (req: Hostile): Promise<void> {
    const { app } = this.fx
    const path = pathOf(req.url)
    if (path.startsWith('/__emulator/clock')) await admin(app, 'POST', '/__emulator/clock', { reset: true })
    if (path.startsWith('/__emulator/faults')) await admin(app, 'DELETE', '/__emulator/faults')
    if (path.startsWith('/__emulator/widget-events')) await admin(app, 'DELETE', '/__emulator/widget-events')
  }

  /** The stored data (snapshot text) once the engine has nothing in progress. */
  private async settledData (): Promise<string> {
    assert.equal((await admin(this.fx.app, 'GET', '/__emulator/idle?timeout_ms=10000')).status, 200)
    return await snapshotText(this.fx.app)
  }

  /** Same text, or (should the text differ in form only) the same data. */
  private isSeed (text: string): boolean {
    return text === this.fx.seedText || isDeepStrictEqual(JSON.parse(text), this.fx.seed)
  }

  /** Puts the seed back if the stored data (once the engine is idle) differs from it. */
  private async putSeedBack (): Promise<void> {
    const { app, seed } = this.fx
    if (this.isSeed(await this.settledData())) return
    const put = await admin(app, 'PUT', '/__emulator/snapshot', seed)
    assert.equal(put.status, 200, 'the seeded state could not be put back')
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Generators. Every draw goes through draw/pick/pickInt/weighted (test/support/properties.ts) on long-lived arbitraries.

interface Route { path: string, methods: string[] }

/** Every operation of Twilio's Studio v1 and v2 descriptions, by path. */
const TWILIO_ROUTES: Route[] = (['v1', 'v2'] as const).flatMap(v => {
  const byPath = new Map<string, string[]>()
  for (const op of operations(v)) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op.method])
  return [...byPath].map(([path, methods]) => ({ path, methods }))
})

const OTHER_ROUTES: Route[] = [
  { path: '/v1/Accounts/{AccountSid}/Flows/{FlowSid}', methods: ['POST'] },
  { path: '/healthz', methods: ['GET'] },
  { path: '/readyz', methods: ['GET'] },
  { path: '/__emulator/reset', methods: ['POST'] },
  { path: '/__emulator/snapshot', methods: ['GET', 'PUT'] },
  { path: '/__emulator/requests', methods: ['GET', 'DELETE'] },
  { path: '/__emulator/faults', methods: ['GET', 'POST', 'DELETE'] },
  { path: '/__emulator/faults/{FaultId}', methods: ['DELETE'] },
  { path: '/__emulator/events', methods: ['GET'] },
  { path: '/__emulator/events/retry', methods: ['POST'] },
  { path: '/__emulator/outbox', methods: ['GET', 'DELETE'] },
  { path: '/__emulator/clock', methods: ['GET', 'POST'] },
  { path: '/__emulator/idle', methods: ['GET'] },
  { path: '/__emulator/widget-events', methods: ['GET', 'POST', 'DELETE'] },
  { path: '/__emulator/calls', methods: ['GET', 'POST'] },
  { path: '/__emulator/calls/{CallSid}', methods: ['GET'] },
  { path: '/__emulator/calls/{CallSid}/digits', methods: ['POST'] },
  { path: '/__emulator/calls/{CallSid}/speech', methods: ['POST'] },
  { path: '/__emulator/calls/{CallSid}/continue', methods: ['POST'] },
  { path: '/__emulator/calls/{CallSid}/answer', methods: ['POST'] },
  { path: '/__emulator/calls/{CallSid}/refuse', methods: ['POST'] },
  { path: '/__emulator/calls/{CallSid}/hangup', methods: ['POST'] },
  { path: '/__emulator/conversations/{ConversationSid}/messages', methods: ['POST'] }
]

const ALL_ROUTES = [...TWILIO_ROUTES, ...OTHER_ROUTES]
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE']

/** Patterns with many stars are tested on their own below; the generated run keeps them short. */
const fewStars = (s: string) => s.split('*').length <= 5
const encodedHostile = hostileText.map(percentEncode)
const rawPrintableHostile = hostileText.filter(s => /^[\x21-\x7e]*$/.test(s) && !/[/?#%]/.test(s))
const encodedFewStars = hostileText.filter(fewStars).map(percentEncode)

/** Text a path segment can carry on the wire: percent-encoded, raw printable ASCII, or broken escapes. */
function segmentText (g: fc.GeneratorValue): string {
  return weighted(g, [
    [6, () => draw(g, encodedHostile)],
    [2, () => draw(g, rawPrintableHostile)],
    [2, () => pick(g, [...BROKEN_ESCAPES, '..', '.', '', '%2F', '%2e%2e', '%00', '%0A', '%20'])]
  ])
}

const SID_ARBS = new Map(['FW', 'FN', 'FT', 'AC', 'FC', 'FR', 'fn', ''].map(p => [p, unknownSid(p)]))
const sidLike = (g: fc.GeneratorValue, prefix: string) => draw(g, SID_ARBS.get(prefix) as fc.Arbitrary<string>)

/**
 * Fills one {Placeholder}: mostly the target's flow, execution or step (so that the request can reach a handler),
 * else any seeded value, an unknown SID, a wrong-kind SID or hostile text.
 */
function segment (g: fc.GeneratorValue, fx: Fixture, target: Fixture['targets'][number], name: string, before: string): string {
  const named = name === 'AccountSid'
    ? [ACCOUNT_A.sid, ACCOUNT_B.sid, KEY_A.sid]
    : name === 'FaultId'
      ? ['FR00000000000000000000000000000000']
      : name === 'Revision'
        ? ['1', '2', 'LatestPublished', 'LatestRevision', '0', '-1', '01', '1.0', '9999999999', 'latestpublished']
        : before === 'Flows' ? fx.flows : before === 'Steps' ? fx.steps : fx.executions
  const coherent = before === 'Flows' ? target.flow : before === 'Steps' ? target.step ?? fx.steps[0] : before === 'Executions' || before === 'Engagements' ? target.execution : undefined
  const prefix = name === 'AccountSid' ? 'AC' : name === 'FaultId' ? 'FR' : before === 'Flows' ? 'FW' : before === 'Steps' ? 'FT' : 'FN'
  return weighted(g, [
    [coherent === undefined ? 0 : 8, () => coherent as string],
    [3, () => pick(g, named)],
    [1, () => sidLike(g, prefix)],
    [1, () => pick(g, named).toUpperCase()],
    [1, () => sidLike(g, pick(g, ['FW', 'FN', 'FT', 'AC', 'FC', 'fn', '']))],
    [3, () => segmentText(g)]
  ])
}

function buildPath (g: fc.GeneratorValue, fx: Fixture, route: Route): string {
  const target = pick(g, fx.targets)
  const parts = route.path.split('/')
  const filled = parts.map((part, i) => {
    if (part.startsWith('{')) return segment(g, fx, target, part.slice(1, -1), parts[i - 1] ?? '')
    // Now and then a literal segment is hostile too (wrong case, SQL, broken escapes).
    if (part !== '' && pickInt(g, 0, 30) === 0) return pickInt(g, 0, 1) === 0 ? segmentText(g) : part.toLowerCase()
    return part
  })
  const tail = pick(g, ['', '', '', '', '', '', '', '', '/', '//', '/extra', '/' + percentEncode(SQL_INJECTIONS[0]), '/.', '/..', '%00'])
  return filled.join('/') + tail
}

const pageTokenArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('PA', 'PB', 'PAx', 'PA====', 'XX' + Buffer.from('[1,2]').toString('base64url'), 'PA' + 'A'.repeat(600), 'pa' + Buffer.from('[1,2]').toString('base64url')),
  fc.tuple(fc.constantFrom('PA', 'PB'), fc.json({ maxDepth: 2 })).map(([p, j]) => p + Buffer.from(j).toString('base64url')),
  fc.tuple(fc.constantFrom('PA', 'PB'), fc.constantFrom('[1e400,1]', '[-1e308,1]', '[null,null]', '["a","b"]', '[1]', '[1,2,3]',
    '[9007199254740993,1]', '{"0":1,"1":2,"length":2}', nestedJson(2000, 'array'), `["${SQL_INJECTIONS[0]}"]`, '[1.5,2]')).map(([p, j]) => p + Buffer.from(j).toString('base64url')),
  fc.tuple(fc.constantFrom('PA', 'PB'), fc.integer(), fc.integer()).map(([p, a, b]) => p + Buffer.from(JSON.stringify([a, b])).toString('base64url')),
  fc.tuple(fc.constantFrom('PA', 'PB'), fc.integer()).map(([p, a]) => p + Buffer.from(JSON.stringify([a])).toString('base64url'))
)

const QUERY_NAMES = ['PageSize', 'Page', 'PageToken', 'DateCreatedFrom', 'DateCreatedTo', 'status', 'Status', 'account', 'limit',
  'method', 'path', 'pending', 'flow', 'execution', 'to', 'kind', 'timeout_ms', 'PageSize[]', 'Page[a]', '__proto__', 'constructor']

function queryValue (g: fc.GeneratorValue, name: string): string {
  return weighted(g, [
    [3, () => draw(g, encodedFewStars)],
    [2, () => name === 'PageToken' ? draw(g, pageTokenArb) : pick(g, ['0', '1', '50', '1000', '1001', '-1', '1.5', '1e3', '%205%20', '99999999999999999999', 'abc'])],
    [1, () => pick(g, ['2024-01-31T12:00:00Z', '2024-02-30', '2024-01-31T12:00:00%2B0530', '0000-00-00', '%2B275760-09-13', '9999-12-31T23:59:59.999999999-23:59', 'active', 'ended', '/v1/**', '/v2/Flows/*/Executions', '4xx', '500', 'true', 'POST'])],
    [1, () => pick(g, BROKEN_ESCAPES)]
  ])
}

function buildQuery (g: fc.GeneratorValue): string {
  const n = pickInt(g, 0, 5)
  if (n === 0) return pick(g, ['', '', '', '?', '?&&', '?=', '?%zz', '#frag'])
  const pairs: string[] = []
  for (let i = 0; i < n; i++) {
    const name = weighted(g, [[5, () => pick(g, QUERY_NAMES)], [1, () => draw(g, encodedHostile)]])
    pairs.push(`${name}=${queryValue(g, name)}`)
  }
  return '?' + pairs.join(pick(g, ['&', '&', '&', ';', '&&']))
}

const FORM_FIELDS = ['To', 'From', 'Parameters', 'Status', 'FriendlyName', 'Definition', 'CommitMessage', 'TestUsers', 'Body', 'MessageSid',
  'CallSid', 'CallStatus', 'Digits', 'SpeechResult', 'EventType', 'ConversationSid', 'Author']

/** A flow definition near the greeting one, with hostile names, transitions and Liquid in places. */
const definitionText: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 0, max: 6 }), hostileText, fc.constantFrom(
  '{{flow.data}}', '{{', '{% if %}', '{{ flow.data.name | append: flow.data.name | upcase }}', '{% assign x = "a" %}{{x}}',
  '{{ "now" | date: "%Y" }}', '{% include "secret" %}', '{{ widgets | json }}'
)).map(([where, text, liquid]) => {
  const d: any = greetingDefinition()
  if (where === 1) d.states[1].name = text
  if (where === 2) d.initial_state = text
  if (where === 3) d.states[0].transitions[3].next = text
  if (where === 4) d.states[1].properties.body = liquid
  if (where === 5) d.states.push({ name: text, type: text, transitions: text, properties: text })
  if (where === 6) d.flags = { allow_concurrent_calls: text }
  return JSON.stringify(d)
})

const jsonOrDefinition = fc.oneof(jsonText, definitionText)

function plausible (g: fc.GeneratorValue, name: string): string {
  switch (name) {
    case 'To': case 'From': case 'TestUsers':
      return pick(g, ['+15551230000', '+15557650000', '+15550001111', 'client:alice', 'whatsapp:+15550002222', '+15552220000'])
    case 'Status': return pick(g, ['ended', 'ended', 'ended', 'active', 'active', 'draft', 'published', 'ENDED', 'Published', ' ended'])
    case 'Parameters': case 'Definition': return draw(g, jsonOrDefinition)
    case 'CallSid': return pick(g, ['CA00000000000000000000000000000001', 'CA00000000000000000000000000000002', 'CA1', ''])
    case 'CallStatus': return pick(g, ['ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'x'])
    case 'Digits': return pick(g, ['1', '2#', '*', '', 'a'])
    case 'EventType': return pick(g, ['onMessageAdded', 'onMessageAdded', 'onConversationUpdated'])
    case 'ConversationSid': return pick(g, ['CH00000000000000000000000000000001', 'CH1'])
    case 'Author': return pick(g, ['alice', '+15551230000'])
    default: return pick(g, ['flow', 'x', 'hello'])
  }
}

/** The fields a route's POST needs, so that a good share of requests get past validation into the handlers. */
function requiredFields (path: string): string[] {
  if (/\/(Executions|Engagements)$/.test(path)) return ['To', 'From', 'Parameters']
  if (/\/Executions\/\{Sid\}$/.test(path)) return ['Status']
  if (/^\/v2\/Flows(\/Validate)?$/.test(path)) return ['FriendlyName', 'Status', 'Definition']
  if (/^\/v2\/Flows\/\{Sid\}$/.test(path)) return ['Status', 'Definition']
  if (path.endsWith('/TestUsers')) return ['TestUsers', 'TestUsers']
  if (path.startsWith('/v1/Accounts/')) return ['From', 'To', 'Body']
  return []
}

function formBody (g: fc.GeneratorValue, route: Route): string {
  const pairs: Array<[string, string]> = []
  if (pickInt(g, 0, 9) < 6) {
    for (const name of requiredFields(route.path)) pairs.push([name, weighted(g, [[3, () => plausible(g, name)], [1, () => draw(g, hostileText)]])])
  }
  const extra = pickInt(g, 0, 4)
  for (let i = 0; i < extra; i++) {
    const name = weighted(g, [[6, () => pick(g, FORM_FIELDS)], [1, () => pick(g, ['__proto__', 'To[]', 'To[0]', 'a[b]', '', 'constructor'])], [1, () => draw(g, hostileText)]])
    pairs.push([name, weighted(g, [[2, () => plausible(g, name)], [2, () => draw(g, hostileText)]])])
  }
  if (pairs.length > 1 && pickInt(g, 0, 1) === 1) pairs.push(pick(g, pairs)) // To=a&To=b
  const mode = pickInt(g, 0, 9)
  if (mode < 7) return new URLSearchParams(pairs).toString()
  if (mode < 9) return pairs.map(([k, v]) => `${k}=${v}`).join('&') // unencoded: '&', '=', '%' and '+' land as they are
  const broken = pick(g, BROKEN_ESCAPES)
  return new URLSearchParams(pairs).toString() + `&${broken}=${broken}&To=${broken}`
}

const faultBody: fc.Arbitrary<unknown> = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'POST', '*', 'get', 1, null), hostileText),
  path: fc.oneof(fc.constantFrom('/v1/**', '/v2/Flows/*', '/', 'v1/Flows', '', '/__emulator/**', 5, null), hostileText.filter(fewStars)),
  status: fc.oneof(fc.integer({ min: 100, max: 700 }), fc.constantFrom('503', 503.5, null, -1, Infinity)),
  code: fc.oneof(fc.integer(), fc.constantFrom('x', 1.5, null)),
  message: fc.oneof(hostileText, fc.constantFrom(null, 5)),
  latency_ms: fc.constantFrom(0, -1, 1e9, 'x', 600_001, Number.NaN),
  drop: fc.constantFrom(true, false, 'yes', 0),
  times: fc.constantFrom(0, 1, -1, 1.5, 'x', 2 ** 53),
  probability: fc.constantFrom(-0.1, 0, 0.5, 1, 2, 'x'),
  account_sid: fc.oneof(fc.constantFrom(ACCOUNT_A.sid, null, 5), hostileText),
  nonsense: hostileText
}, { requiredKeys: [] })

const clockBody: fc.Arbitrary<unknown> = fc.record({
  advance_ms: fc.oneof(fc.integer(), fc.constantFrom('x', null, -1, 86_400_000, Number.MAX_SAFE_INTEGER, 1e300, -1e20, Infinity, 2 ** 60)),
  set: fc.oneof(fc.constantFrom('2030-01-01T00:00:00Z', '275760-09-13T00:00:00Z', '0000-01-01', '1969-12-31T23:59:59Z', 'now', 5, null), hostileText),
  freeze: fc.constantFrom(true, false, 'yes', null),
  reset: fc.constantFrom(true, false, 1)
}, { requiredKeys: [] })

const choiceBody: fc.Arbitrary<unknown> = fc.record({
  widget: fc.oneof(fc.constantFrom('Greet', '', 5), hostileText),
  event: fc.oneof(fc.constantFrom('sent', 'failed', '', null), hostileText),
  publish: fc.oneof(fc.constantFrom(null, [], 'x', {}), fc.dictionary(hostileText, hostileText, { maxKeys: 3 })),
  flow_sid: fc.oneof(fc.constantFrom(FLOW, 'FWnope', null), hostileText),
  times: fc.constantFrom(1, 0, -1, 1.5, 'x')
}, { requiredKeys: [] })

const cellValue: fc.Arbitrary<unknown> = fc.oneof(hostileText, fc.constantFrom(null, 0, -1, 1.5, true, 1e300, [], {}, { a: [1] }, 2 ** 63))
const anyJsonValue: fc.Arbitrary<unknown> = fc.json({ maxDepth: 3 }).map(j => JSON.parse(j) as unknown)

/** The seeded snapshot with one cell, row or table changed: most are refused by the database, some imported. */
function snapshotBody (g: fc.GeneratorValue, fx: Fixture): unknown {
  const doc = structuredClone(fx.seed)
  const table = pick(g, Object.keys(doc.tables))
  const rows: Array<Record<string, unknown>> = doc.tables[table]
  const value = draw(g, cellValue)
  const row = rows[0]
  switch (pickInt(g, 0, 5)) {
    case 0: if (row !== undefined) row[pick(g, Object.keys(row))] = value; break
    case 1: if (row !== undefined) rows.push({ ...row }); break
    case 2: doc.tables[table] = value; break
    case 3: if (row !== undefined) row[String(value)] = 1; break
    case 4: doc[pick(g, ['format', 'schema_version', 'tables'])] = value; break
    default: return draw(g, anyJsonValue)
  }
  return doc
}

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8',
  'application/x-www-form-urlencoded; charset=latin1', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/json',
  'application/json; charset=utf-16', 'text/plain', 'multipart/form-data; boundary=XyZ', 'multipart/form-data',
  'application/octet-stream', 'text/html', ';;;', '', 'application/x-www-form-urlencoded, application/json', 'x/y; a="b']

const junkBytes = fc.uint8Array({ maxLength: 64 })

function body (g: fc.GeneratorValue, fx: Fixture, route: Route, method: string): { payload?: string | Buffer, contentType?: string } {
  const control = route.path.startsWith('/__emulator')
  const kind = weighted(g, [[12, () => 'form'], [4, () => 'none'], [5, () => 'json'], [2, () => 'text'], [2, () => 'multipart'], [2, () => 'bytes'], [1, () => 'huge']])
  let payload: string | Buffer
  let natural: string
  switch (kind) {
    case 'none': return pickInt(g, 0, 1) === 0 ? {} : { contentType: pick(g, CONTENT_TYPES) }
    case 'form': payload = formBody(g, route); natural = 'application/x-www-form-urlencoded'; break
    case 'json': {
      const p = route.path
      const doc = p.endsWith('/faults') ? draw(g, faultBody) : p.endsWith('/clock') ? draw(g, clockBody) : p.endsWith('/widget-events') ? draw(g, choiceBody) : p.endsWith('/snapshot') ? snapshotBody(g, fx) : undefined
      payload = doc !== undefined && pickInt(g, 0, 4) > 0 ? JSON.stringify(doc) : draw(g, jsonText)
      natural = 'application/json'
      break
    }
    case 'text': payload = draw(g, hostileText); natural = 'text/plain'; break
    case 'multipart':
      payload = '--XyZ\r\nContent-Disposition: form-data; name="To"\r\n\r\n+15551230000\r\n--XyZ\r\nContent-Disposition: form-data; name="From"\r\n\r\n' + draw(g, hostileText) + '\r\n--XyZ--\r\n'
      natural = 'multipart/form-data; boundary=XyZ'
      break
    case 'bytes': {
      // Invalid UTF-8 around real field names: lone continuation bytes, overlong forms, truncated sequences.
      const junk = Buffer.from(draw(g, junkBytes))
      payload = Buffer.concat([Buffer.from('To='), junk, Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xe2, 0x82]), Buffer.from('&From=%FF%C0%80&Parameters='), junk])
      natural = 'application/x-www-form-urlencoded'
      break
    }
    default:
      payload = 'To=' + 'x'.repeat(pick(g, [1_048_000, 1_100_000, 2_000_000]))
      natural = control ? 'application/json' : 'application/x-www-form-urlencoded'
  }
  if (method === 'GET' && pickInt(g, 0, 1) === 0) return {} // GET with a body happens, but mostly without.
  const contentType = pickInt(g, 0, 4) > 0 ? natural : pickInt(g, 0, 3) === 0 ? undefined : pick(g, CONTENT_TYPES)
  return { payload, ...(contentType !== undefined && { contentType }) }
}

const latin1Header = fc.string({ unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map(c => String.fromCharCode(c)), maxLength: 40 })
const hostilePair = fc.tuple(hostileText, hostileText).map(([u, p]) => basic(u, p))

function authorization (g: fc.GeneratorValue): string | string[] | undefined {
  const good = authHeader(ACCOUNT_A)
  return weighted<string | string[] | undefined>(g, [
    [30, () => good],
    [2, () => authHeader(KEY_A)],
    [2, () => authHeader(ACCOUNT_B)],
    [1, () => undefined],
    [2, () => pick(g, ['Basic', 'Basic ', 'Bearer x', 'Basic !!!notbase64', 'Basic ' + 'A'.repeat(20_000), 'basic ' + good.slice(6), good + ' ', ' ' + good,
      basic(ACCOUNT_A.sid, ''), basic('', ACCOUNT_A.authToken), basic(ACCOUNT_A.sid, ACCOUNT_B.authToken), basic(ACCOUNT_A.sid.toLowerCase(), ACCOUNT_A.authToken),
      basic(ACCOUNT_A.sid + ':' + ACCOUNT_A.authToken, 'x'), 'Basic ' + Buffer.from(ACCOUNT_A.sid).toString('base64'), good + '==='])],
    [1, () => draw(g, hostilePair)],
    [1, () => 'Basic ' + draw(g, latin1Header)],
    [1, () => pick(g, [[good, 'Basic eA=='], ['Basic eA==', good], [good, good]])]
  ])
}

function headers (g: fc.GeneratorValue, contentType: string | undefined): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {}
  const auth = authorization(g)
  if (auth !== undefined) h.authorization = auth
  if (contentType !== undefined) h['content-type'] = contentType
  switch (pickInt(g, 0, 12)) {
    case 0: h['x-hostile'] = 'x'.repeat(pickInt(g, 8_000, 100_000)); break
    case 1: for (let i = 0; i < 200; i++) h[`x-many-${i}`] = String(i); break
    case 2: h.host = draw(g, latin1Header); break
    case 3: h['x-forwarded-proto'] = weighted(g, [[1, () => draw(g, latin1Header)], [1, () => pick(g, ['https', 'https, http', 'javascript', ''])]]); break
    case 4: h.accept = pick(g, ['text/html', 'application/xml', '*/*', '']); break
    case 5: h['twilio-request-id'] = draw(g, latin1Header); break
    default:
  }
  return h
}

/** Anything goes: every part of the request drawn on its own. */
function wildRequest (g: fc.GeneratorValue, fx: Fixture): Hostile {
  const route = pick(g, ALL_ROUTES)
  const method = weighted(g, [[4, () => pick(g, route.methods)], [1, () => pick(g, METHODS)]])
  const url = buildPath(g, fx, route) + buildQuery(g)
  const { payload, contentType } = method === 'HEAD' ? {} : body(g, fx, route, method)
  return { method, url, headers: headers(g, contentType), ...(payload !== undefined && { payload }) }
}

/** A request as a helper library would send it, in parts, so that one part can be made hostile. */
interface Parts {
  route: Route
  method: string
  segments: string[]
  tail: string
  query: Array<[string, string]>
  fields: Array<[string, string]>
  raw?: string | Buffer | undefined
  contentType?: string | undefined
  auth?: string | string[] | undefined
  extra: Record<string, string | string[]>
}

function validValue (g: fc.GeneratorValue, path: string, name: string): string {
  switch (name) {
    case 'To': case 'From': return pick(g, ['+15552220000', '+15551110000', '+15557650000', `+1555${pickInt(g, 0, 9999999)}`, 'client:alice'])
    case 'Status': return path.includes('/Executions/') ? pick(g, ['ended', 'ended', 'active']) : pick(g, ['draft', 'published'])
    case 'Parameters': return pick(g, ['{}', '{"name":"Zeke"}', '{"a":[1,{"b":null}],"s":"é😀"}', ''])
    case 'Definition': return JSON.stringify(greetingDefinition())
    case 'TestUsers': return pick(g, ['+15550001111', '+15552220000', 'client:bob'])
    default: return pick(g, ['greeting', 'hello', 'Thanks'])
  }
}

const startCallBody: fc.Arbitrary<unknown> = fc.record({
  flow_sid: fc.oneof(fc.constantFrom(FLOW, OTHER_FLOW, 'FWnope', null), hostileText),
  from: fc.oneof(fc.constantFrom('+15551230000', '', 5), hostileText),
  to: fc.oneof(fc.constantFrom('+15557650000', null), hostileText),
  account_sid: fc.constantFrom(ACCOUNT_A.sid, ACCOUNT_B.sid, 'AC1', 1),
  fields: fc.oneof(fc.constantFrom(null, [], {}), fc.dictionary(hostileText, hostileText, { maxKeys: 3 }))
}, { requiredKeys: [] })

const conversationBody: fc.Arbitrary<unknown> = fc.record({
  flow_sid: fc.oneof(fc.constantFrom(FLOW, 'FWnope'), hostileText),
  author: fc.oneof(fc.constantFrom('alice', ''), hostileText),
  body: fc.oneof(fc.constantFrom('hi', 5), hostileText),
  account_sid: fc.constantFrom(ACCOUNT_A.sid, 'AC1')
}, { requiredKeys: [] })

const CONTROL_JSON = new Map<string, fc.Arbitrary<unknown>>([
  ['/__emulator/faults', faultBody], ['/__emulator/clock', clockBody], ['/__emulator/widget-events', choiceBody],
  ['/__emulator/calls', startCallBody], ['/__emulator/conversations/{ConversationSid}/messages', conversationBody]
])

/** Writes are where a refused request could still change something: the valid half picks them more often. */
const WRITE_ROUTES = ALL_ROUTES.filter(r => /\/(Executions|Engagements)(\/\{Sid\})?$|^\/v2\/Flows/.test(r.path) && r.methods.some(m => m !== 'GET'))

function validParts (g: fc.GeneratorValue, fx: Fixture): Parts {
  const route = pickInt(g, 0, 1) === 0 ? pick(g, WRITE_ROUTES) : pick(g, ALL_ROUTES)
  const method = pick(g, route.methods)
  const target = pick(g, fx.targets)
  const parts = route.path.split('/')
  const segments = parts.map((p, i) => {
    if (!p.startsWith('{')) return p
    const before = parts[i - 1]
    if (before === 'Flows') return target.flow
    if (before === 'Steps') return target.step ?? fx.steps[0] as string
    if (before === 'Accounts') return ACCOUNT_A.sid
    if (before === 'Revisions') return pick(g, ['1', 'LatestPublished', 'LatestRevision'])
    if (before === 'faults') return 'FR00000000000000000000000000000000'
    return target.execution
  })
  const query: Array<[string, string]> = method === 'GET' && pickInt(g, 0, 1) === 0 ? [['PageSize', pick(g, ['1', '2', '50'])]] : []
  const writes = method === 'POST' || method === 'PUT'
  const control = route.path.startsWith('/__emulator')
  const fields: Array<[string, string]> = writes && !control ? requiredFields(route.path).map(n => [n, validValue(g, route.path, n)]) : []
  const json = CONTROL_JSON.get(route.path)
  const raw = writes && control ? (json !== undefined ? JSON.stringify(draw(g, json)) : route.path.endsWith('/snapshot') ? JSON.stringify(snapshotBody(g, fx)) : undefined) : undefined
  const auth = weighted(g, [[8, () => authHeader(ACCOUNT_A)], [1, () => authHeader(KEY_A)], [1, () => authHeader(ACCOUNT_B)]])
  const contentType = raw !== undefined ? 'application/json' : writes ? 'application/x-www-form-urlencoded' : undefined
  return { route, method, segments, tail: '', query, fields, raw, contentType, auth, extra: {} }
}

/** Makes exactly one part of a valid request hostile (or none). */
function mutate (g: fc.GeneratorValue, fx: Fixture, p: Parts): void {
  const placeholders = p.route.path.split('/').flatMap((s, i) => s.startsWith('{') ? [i] : [])
  switch (pickInt(g, 0, 13)) {
    case 0: if (placeholders.length > 0) p.segments[pick(g, placeholders)] = weighted(g, [[3, () => segmentText(g)], [1, () => sidLike(g, pick(g, ['FW', 'FN', 'FT', 'AC']))], [1, () => pick(g, [...fx.flows, ...fx.executions, ...fx.steps])], [1, () => pick(g, [...fx.executions, ...fx.flows]).toUpperCase()]]); break
    case 1: { const i = pickInt(g, 1, p.segments.length - 1); p.segments[i] = weighted(g, [[1, () => segmentText(g)], [1, () => (p.segments[i] ?? '').toLowerCase()]]); break }
    case 2: p.tail = pick(g, ['/', '//', '/extra', '/' + percentEncode(SQL_INJECTIONS[0]), '/.', '/..', '%00', '?', '#x']); break
    case 3: { const name = weighted(g, [[5, () => pick(g, QUERY_NAMES)], [1, () => draw(g, encodedHostile)]]); p.query.push([name, queryValue(g, name)]); break }
    case 4: if (p.fields.length > 0) { const f = p.fields.find(([k]) => k === 'Parameters' && pickInt(g, 0, 1) === 0) ?? pick(g, p.fields); f[1] = f[0] === 'Parameters' || f[0] === 'Definition' ? draw(g, jsonOrDefinition) : draw(g, hostileText) } else p.fields.push([pick(g, FORM_FIELDS), draw(g, hostileText)]); break
    case 5: p.fields.push(weighted(g, [[2, () => [pick(g, FORM_FIELDS), plausible(g, 'To')] as [string, string]], [1, () => [pick(g, ['__proto__', 'To[]', 'a[b]', '', 'constructor']), draw(g, hostileText)] as [string, string]], [2, () => p.fields.length > 0 ? [pick(g, p.fields)[0], draw(g, hostileText)] as [string, string] : ['To', '+15550000000'] as [string, string]]])); break
    case 6: if (p.fields.length > 0) p.fields.splice(pickInt(g, 0, p.fields.length - 1), 1); break
    case 7: p.raw = weighted(g, [[1, () => p.fields.map(([k, v]) => `${k}=${v}`).join('&')], [1, () => new URLSearchParams(p.fields).toString() + `&${pick(g, BROKEN_ESCAPES)}=${pick(g, BROKEN_ESCAPES)}`], [1, () => new URLSearchParams(p.fields).toString().replaceAll('%', pick(g, ['%', '%%', '%z']))]]); break
    case 8: p.contentType = pickInt(g, 0, 3) === 0 ? undefined : pick(g, CONTENT_TYPES); break
    case 9: { const b = body(g, fx, p.route, p.method); p.raw = b.payload; p.contentType = b.contentType; p.fields = []; break }
    case 10: p.auth = authorization(g); break
    case 11: p.extra = headers(g, undefined); delete p.extra.authorization; break
    case 12: p.method = pick(g, METHODS); break
    default: // unchanged: valid requests must work too, and their effects are undone
  }
}

function serialize (p: Parts): Hostile {
  const url = p.segments.join('/') + p.tail + (p.query.length > 0 ? '?' + p.query.map(([k, v]) => `${k}=${v}`).join('&') : '')
  const payload = p.method === 'HEAD' ? undefined : p.raw ?? (p.fields.length > 0 ? new URLSearchParams(p.fields).toString() : undefined)
  const headers: Record<string, string | string[]> = { ...p.extra }
  if (p.auth !== undefined) headers.authorization = p.auth
  if (p.contentType !== undefined) headers['content-type'] = p.contentType
  return { method: p.method, url, headers, ...(payload !== undefined && { payload }) }
}

/** Half the requests are wild; the other half are valid requests with one (or two) hostile parts, so that they reach the handlers. */
function hostileRequest (g: fc.GeneratorValue, fx: Fixture): Hostile {
  if (pickInt(g, 0, 1) === 0) return wildRequest(g, fx)
  const parts = validParts(g, fx)
  for (let n = pickInt(g, 1, 4) === 4 ? 2 : 1; n > 0; n--) mutate(g, fx, parts)
  return serialize(parts)
}

// ---------------------------------------------------------------------------------------------------------------
// The tests.

test(`${RUNS} generated hostile requests: never a 5xx, always Twilio's error shape, refused ones change nothing`, { timeout: 600_000 }, async (t) => {
  const fx = await seeded(t)
  const h = new Harness(fx, t)
  await fc.assert(fc.asyncProperty(fc.gen(), async (g) => { await h.check(hostileRequest(g, fx)) }), { numRuns: RUNS, endOnFailure: !SHRINK, ...(SEED !== undefined && { seed: SEED }) })
  await h.settle()
  t.diagnostic(`${h.requests} requests (shrinking included), ${h.refused} refused; by status: ${[...h.statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(' ')}`)
  // Still serving, still ready, still the same data, and a normal request still works.
  assert.equal((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  assert.equal((await fx.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
  assert.deepEqual(await snapshot(fx.app), fx.seed)
  assert.equal((await createExecution(fx.app, { To: '+15559990000' })).status, 200)
})

/** A route's path with every placeholder filled by a seeded value that names something. */
function seededPath (fx: Fixture, route: Route, execution = 0): string[] {
  const parts = route.path.split('/')
  return parts.map((p, i) => {
    if (!p.startsWith('{')) return p
    const before = parts[i - 1]
    if (before === 'Flows') return fx.flows[0] as string
    if (before === 'Steps') return fx.steps[0] as string
    if (before === 'Accounts') return ACCOUNT_A.sid
    if (before === 'Revisions') return '1'
    if (before === 'faults') return 'FR00000000000000000000000000000000'
    return fx.executions[execution] as string
  })
}

test('SQL-looking text in every path segment, query parameter and form field of every route changes nothing', async (t) => {
  const fx = await seeded(t)
  const h = new Harness(fx, t)
  const auth = { authorization: authHeader(ACCOUNT_A) }
  const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' }
  const fill = (f: string) => f === 'Status' ? 'ended' : f === 'Definition' ? JSON.stringify(greetingDefinition()) : f === 'Parameters' ? '{}' : '+15551230000'
  for (const route of ALL_ROUTES) {
    const base = seededPath(fx, route)
    const url = base.join('/')
    const fields = [...new Set([...requiredFields(route.path), ...FORM_FIELDS])]
    const writes = route.methods.filter(m => m === 'POST' || m === 'PUT')
    for (const [n, sql] of SQL_INJECTIONS.entries()) {
      const encoded = percentEncode(sql)
      // Each path segment in turn, with each method the route serves.
      for (let i = 0; i < base.length; i++) {
        if (!route.path.split('/')[i]?.startsWith('{')) continue
        const bad = base.map((p, j) => j === i ? encoded : p).join('/')
        for (const method of route.methods) await h.check({ method, url: bad, headers: auth })
      }
      // Every query parameter at once; and every form field at once.
      await h.check({ method: 'GET', url: `${url}?${QUERY_NAMES.map(q => `${q}=${encoded}`).join('&')}`, headers: auth })
      for (const method of writes) {
        await h.check({ method, url, headers: form, payload: new URLSearchParams(fields.map((f): [string, string] => [f, sql])).toString() })
        await h.check({ method, url, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify({ path: sql, method: sql, account_sid: sql, status: 503, widget: sql, event: sql, set: sql }) })
      }
      if (n >= 4) continue
      // One parameter or field at a time (the others valid), for the first few strings.
      for (const q of QUERY_NAMES) await h.check({ method: 'GET', url: `${url}?${q}=${encoded}`, headers: auth })
      for (const method of writes) {
        for (const name of fields) {
          await h.check({ method, url, headers: form, payload: new URLSearchParams(fields.map((f): [string, string] => [f, f === name ? sql : fill(f)])).toString() })
        }
      }
    }
  }
  await h.settle()
  // The tables are all still there: a create and a list work.
  assert.equal((await createExecution(fx.app, { To: '+15559990001' })).status, 200)
  assert.equal((await call(fx.app, 'GET', `/v2/Flows/${fx.flows[0] as string}/Executions`)).status, 200)
  t.diagnostic(`${h.requests} requests, ${h.refused} refused`)
})

test('a repeated form field keeps its first value; broken escapes in form bodies and queries are read, not fatal', async (t) => {
  const fx = await seeded(t)
  const h = new Harness(fx, t)
  const headers = { authorization: authHeader(ACCOUNT_A), 'content-type': 'application/x-www-form-urlencoded' }
  const url = `/v1/Flows/${OTHER_FLOW}/Executions`
  const created = await fx.app.inject({ method: 'POST', url, headers, payload: 'To=%2B15550000001&To=%2B15550000002&From=%2B15550000003&From=x' })
  assert.equal(created.statusCode, 200)
  assert.equal(created.json().contact_channel_address, '+15550000001')
  const ctx = await call(fx.app, 'GET', `${url}/${created.json().sid as string}/Context`)
  assert.equal(ctx.body.context.flow.channel.address, '+15550000003')
  assert.equal((await admin(fx.app, 'PUT', '/__emulator/snapshot', fx.seed)).status, 200)
  for (const payload of ['To=%zz&From=%', 'To=%&From=%zz%', '%zz=%zz', 'To=%E0%A4%A&From=%C0%AF', '&&&=&=&', 'To', '=x', 'To=a%00b&From=%0D%0A']) {
    await h.check({ method: 'POST', url, headers, payload })
  }
  for (const q of ['PageSize=%', 'PageToken=%zz', 'PageSize=1&PageSize=2', 'DateCreatedFrom=%E0%A4%A', '%zz=1']) {
    await h.check({ method: 'GET', url: `${url}?${q}`, headers })
  }
  await h.settle()
})

test('refused creates under a FlowSid no account has used register nothing', async (t) => {
  const fx = await seeded(t)
  const h = new Harness(fx, t)
  const headers = { authorization: authHeader(ACCOUNT_A), 'content-type': 'application/x-www-form-urlencoded' }
  const flow = 'FW0000000000000000000000000000abcd'
  for (const path of [`/v1/Flows/${flow}/Executions`, `/v2/Flows/${flow}/Executions`, `/v1/Flows/${flow}/Engagements`]) {
    for (const fields of [
      { To: '+15550000001', From: '+15550000002', Parameters: '[1]' },
      { To: '+15550000001', From: '+15550000002', Parameters: '{broken' },
      { To: '+15550000001', From: '+15550000002', Parameters: 'null' },
      { To: '+1' + '5'.repeat(200), From: '+1' + '6'.repeat(200) },
      { To: '+15550000001' },
      { From: '+15550000002' }
    ]) {
      await h.check({ method: 'POST', url: path, headers, payload: form(fields as Record<string, string>) })
    }
    await h.check({ method: 'POST', url: path, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"To":"+1","From":"+2"}' })
  }
  await h.settle()
  assert.equal(h.refused, h.requests, 'all refused')
})

test('odd methods and content types on every route answer Twilio errors (HEAD: no body), never 5xx', async (t) => {
  const fx = await seeded(t)
  const h = new Harness(fx, t)
  for (const route of ALL_ROUTES) {
    const url = seededPath(fx, route, 1).join('/')
    for (const method of METHODS) {
      for (const contentType of [undefined, 'application/json', 'text/plain', 'multipart/form-data; boundary=XyZ', 'application/xml']) {
        await h.check({ method, url, headers: { authorization: authHeader(ACCOUNT_A), ...(contentType !== undefined && { 'content-type': contentType }) }, ...(contentType !== undefined && method !== 'HEAD' && { payload: contentType.includes('json') ? '{"To":"+1","From":"+2"}' : 'To=+1&From=+2' }) })
      }
    }
  }
  await h.settle()
  t.diagnostic(`${h.requests} requests, ${h.refused} refused`)
})

test('the server keeps answering over a real socket after oversized headers, broken request lines and half requests', async (t) => {
  const { createConnection } = await import('node:net')
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const raw = async (text: string | Buffer): Promise<string> => await new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    let answer = ''
    socket.setTimeout(2000, () => socket.destroy())
    socket.on('data', (d) => { answer += String(d) })
    socket.on('close', () => resolve(answer))
    socket.on('error', () => resolve(answer))
    socket.end(text)
  })
  const auth = authHeader(ACCOUNT_A)
  const answers = [
    await raw(`GET /v1/Flows HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nX-Big: ${'x'.repeat(40_000)}\r\n\r\n`),
    await raw('GARBAGE\r\n\r\n'),
    await raw(`POST /v1/Flows/${FLOW}/Executions HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nTo=1`),
    await raw(`GET /v1/Flows HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nAuthorization: Basic eA==\r\n\r\n`),
    await raw(Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0xff, 0xfe, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x0d, 0x0a])),
    await raw(`POST /v1/Flows/${FLOW}/Executions HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\nTo=1\r\n0\r\n\r\n`)
  ]
  for (const a of answers) {
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(a)?.[1] ?? 0)
    assert.ok(status < 500, a.slice(0, 300))
  }
  const res = await fetch(`http://127.0.0.1:${port}/healthz`)
  assert.equal(res.status, 200)
  const list = await fetch(`http://127.0.0.1:${port}/v1/Flows`, { headers: { authorization: auth } })
  assert.equal(list.status, 200)
})

// ---------------------------------------------------------------------------------------------------------------
// Defects the generated run found (all fixed), each stated as the behaviour it must keep.

test('Parameters nested 10,000 deep are refused with a Twilio 400 and store nothing (not a 500)', async (t) => {
  const fx = await seeded(t)
  const flow = 'FW99999999999999999999999999999999'
  const res = await createExecution(fx.app, { To: '+15550000099', Parameters: `{"x":${nestedJson(10_000, 'array')}}` }, { flow })
  assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`)
  assert.deepEqual(twilioErrorProblems(res.status, res.headers, res.raw.body), [])
  assert.deepEqual(await snapshot(fx.app), fx.seed, 'a refused create registered nothing')
})

test('a Definition nested 10,000 deep is refused with a Twilio 400 on create, update and Validate (not a 500)', async (t) => {
  const fx = await seeded(t)
  const deep = `{"states":${nestedJson(10_000, 'array')}}`
  for (const [url, fields] of [
    ['/v2/Flows', { FriendlyName: 'x', Status: 'draft', Definition: deep }],
    ['/v2/Flows/Validate', { FriendlyName: 'x', Status: 'draft', Definition: deep }],
    [`/v2/Flows/${fx.flows[0] as string}`, { Status: 'draft', Definition: deep }]
  ] as const) {
    const res = await call(fx.app, 'POST', url, fields)
    assert.ok(res.status >= 400 && res.status < 500, `${url}: status ${res.status}`)
  }
  assert.deepEqual(await snapshot(fx.app), fx.seed)
})

test('a deeply nested JSON body to the inbound webhook is refused with a 400 and leaves the request journal readable', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({
    method: 'POST',
    url: `/v1/Accounts/${ACCOUNT_A.sid}/Flows/${FLOW}`,
    headers: { 'content-type': 'application/json' },
    payload: `{"From":"+15550000001","To":"+15550000002","Body":${nestedJson(10_000, 'array')}}`
  })
  assert.ok(res.statusCode < 500, `status ${res.statusCode}`)
  assert.equal((await admin(app, 'GET', '/__emulator/requests')).status, 200)
})

test('a repeated query parameter on the control API is read (first value) or refused with 400, never a 500', async (t) => {
  const app = await buildTestApp(t)
  for (const url of ['/__emulator/outbox?execution=a&execution=b', '/__emulator/outbox?kind=a&kind=b', '/__emulator/outbox?account=a&account=b',
    '/__emulator/outbox?flow=a&flow=b', '/__emulator/outbox?to=a&to=b', '/__emulator/requests?method=GET&method=POST']) {
    const res = await app.inject({ method: 'GET', url })
    assert.ok(res.statusCode === 200 || res.statusCode === 400, `${url}: ${res.statusCode}`)
  }
})

test('a fractional limit on /__emulator/events and /__emulator/outbox is refused with 400 (or rounded), never a 500', async (t) => {
  const app = await buildTestApp(t)
  for (const url of ['/__emulator/events?limit=1.5', '/__emulator/outbox?limit=1.5', '/__emulator/events?limit=0.5']) {
    const res = await app.inject({ method: 'GET', url })
    assert.ok(res.statusCode === 200 || res.statusCode === 400, `${url}: ${res.statusCode}`)
  }
})

test('a malformed percent-escape in the path answers Twilio\'s error JSON with a Twilio-Request-Id', async (t) => {
  const app = await buildTestApp(t)
  for (const url of [`/v1/Flows/${FLOW}/Executions/%zz`, '/v1/Flows/%/Executions', '/v2/Flows/%C0%AF', '/__emulator/faults/%zz', '/healthz%zz']) {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: authHeader(ACCOUNT_A) } })
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`)
    assert.deepEqual(twilioErrorProblems(res.statusCode, res.headers, res.body), [], `${url}: ${res.body}`)
    assert.match(String(res.headers['twilio-request-id']), /^RQ[0-9a-f]{32}$/, url)
  }
})

test('a path segment over 100 characters is Twilio\'s 404 for a malformed SID', async (t) => {
  const app = await buildTestApp(t)
  const url = `/v1/Flows/${FLOW}/Executions/FN${'a'.repeat(200)}`
  const res = await app.inject({ method: 'GET', url, headers: { authorization: authHeader(ACCOUNT_A) } })
  assert.equal(res.statusCode, 404, res.body)
  assert.deepEqual(twilioErrorProblems(res.statusCode, res.headers, res.body), [])
})

test('moving the clock outside JavaScript\'s date range is refused with 400 and the clock keeps working', async (t) => {
  const app = await buildTestApp(t)
  for (const body of [{ advance_ms: 1e300 }, { advance_ms: -1e20 }, { advance_ms: 8.64e15 }]) {
    const res = await admin(app, 'POST', '/__emulator/clock', body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.equal((await admin(app, 'GET', '/__emulator/clock')).status, 200)
    assert.equal((await createExecution(app, { To: `+1555${String(body.advance_ms).length}` })).status, 200)
  }
})

test('a control API path pattern with many stars cannot stall the server', async () => {
  const server = startEmulator(['--port', '0', '--db', ':memory:'])
  try {
    const url = await server.url()
    const auth = { authorization: basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') }
    assert.equal((await fetch(`${url}/v1/Flows/${FLOW}/Executions`, { headers: auth })).status, 200)
    const pattern = encodeURIComponent('/' + '*'.repeat(40) + 'x')
    const journal = await fetch(`${url}/__emulator/requests?path=${pattern}`, { signal: AbortSignal.timeout(3000) })
    assert.equal(journal.status, 200)
    const rule = await fetch(`${url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/' + '*'.repeat(40) + 'x', status: 503 }), signal: AbortSignal.timeout(3000) })
    assert.equal(rule.status, 201)
    assert.equal((await fetch(`${url}/v1/Flows/${FLOW}/Executions`, { headers: auth, signal: AbortSignal.timeout(3000) })).status, 200)
  } finally {
    await server.kill()
  }
})
