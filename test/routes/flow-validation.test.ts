// Studio's flow validation through the API: POST /v2/Flows/Validate and creating or updating a flow with
// Status=published refuse an invalid definition with 400 81022 and one error per problem, each naming its widget;
// a draft is saved as it is, with valid: false and the same errors on the Flow and its Revision. Every Studio
// export under test/fixtures/ passes; a run-subflow must name a flow of the caller's account (auto and strict
// mode, and in STUDIO_FLOWS_DIR, whatever the files' order); no definition, however hostile, answers a 5xx.
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { FlowFileError } from '../../src/studio/flows.js'
import { WIDGET_TYPES } from '../../src/studio/widget-types.js'
import { ACCOUNT_A, ACCOUNT_B, KEY_A, assertTwilioError, buildTestApp, call, testConfig } from '../support/helper.js'
import { definitionWith, greetingDefinition } from '../support/flows.js'
import { assertMatchesSpec } from '../support/spec.js'

type App = FastifyInstance
type Principal = Parameters<typeof call>[4]

const SUBFLOW_FIXTURES = fileURLToPath(new URL('../fixtures/subflow-survey/', import.meta.url))
const SURVEY = 'FW5ab0e7c0000000000000000000000001'

const w = (name: string, type: string, properties: Record<string, unknown>, transitions: Array<Record<string, unknown>>) =>
  ({ name, type, properties: { offset: { x: 0, y: 0 }, ...properties }, transitions })

const validate = async (app: App, definition: unknown, who?: Principal) =>
  await call(app, 'POST', '/v2/Flows/Validate', { FriendlyName: 'v', Status: 'published', Definition: JSON.stringify(definition) }, who)
const create = async (app: App, definition: unknown, status: 'draft' | 'published' = 'published', who?: Principal) =>
  await call(app, 'POST', '/v2/Flows', { FriendlyName: 'f', Status: status, Definition: JSON.stringify(definition) }, who)

/** A 400 81022 whose details list exactly these errors, in order. */
function assertRefused (res: Awaited<ReturnType<typeof call>>, errors: Array<{ message: string, property_path: string }>): void {
  assertTwilioError(res, 400, 81022, 'Invalid Flow Definition')
  assert.deepEqual(res.body.details, { errors })
}

/** A definition breaking one rule of each kind, and the errors Studio's validator lists for it. */
function brokenDefinition (subflow: string): { definition: Record<string, any>, errors: Array<{ message: string, property_path: string }> } {
  const definition = definitionWith([
    w('greet', 'send-message', { to: '{{contact.channel.address}}' }, [{ event: 'sent', next: 'ask' }, { event: 'failed' }]),
    w('ask', 'send-and-wait-for-reply', { body: 'Rate us 1-5', timeout: 3600 }, [{ event: 'reply', next: 'route' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
    w('route', 'split-based-on', { input: '{{widgets.ask.inbound.Body}}' }, [
      { event: 'noMatch', next: 'menu' },
      { event: 'match', next: 'sub', conditions: [{ friendly_name: 'five', arguments: ['{{widgets.ask.inbound.Body}}'], type: 'equals', value: '5' }] }
    ]),
    w('menu', 'gather-input-on-call', { say: 'Press a key', number_of_digits: '1', profanity_filter: true, offset: 'left' }, [{ event: 'keypress', next: 'agent' }, { event: 'timeout', next: 'Nowhere' }]),
    w('agent', 'connect-call-to', { noun: 'phone', to: '+15550001111' }, [{ event: 'callCompleted' }, { event: 'hangup' }]),
    w('sub', 'run-subflow', { flow_sid: subflow, flow_revision: 'LatestPublished' }, [{ event: 'completed' }, { event: 'failed' }])
  ], 'greet')
  const errors = [
    { property_path: '#/states/1/properties/body', message: 'Widget "greet" (send-message): body is required' },
    { property_path: '#/states/2/properties/timeout', message: 'Widget "ask" (send-and-wait-for-reply): timeout must be a string; got the number 3600' },
    { property_path: '#/states/4/properties/offset', message: 'Widget "menu" (gather-input-on-call): offset must be an object ({x, y}); got the string "left"' },
    { property_path: '#/states/4/properties/profanity_filter', message: 'Widget "menu" (gather-input-on-call): profanity_filter must be a string; got the boolean true' },
    { property_path: '#/states/4/properties/number_of_digits', message: 'Widget "menu" (gather-input-on-call): number_of_digits must be an integer; got the string "1"' },
    { property_path: '#/states/5/properties/noun', message: 'Widget "agent" (connect-call-to): noun must be one of number, number-multi, client, sip, conference, sim; got "phone"' },
    { property_path: '#/states/6/properties/flow_sid', message: `Widget "sub" (run-subflow): flow_sid ${subflow} names no flow in this account` },
    { property_path: '#/states/2/transitions/0/event', message: 'Widget "ask" (send-and-wait-for-reply) has no event "reply"; its events are incomingMessage, timeout, deliveryFailure' },
    { property_path: '#/states/3/transitions/1/conditions/0/type', message: 'Widget "route" (split-based-on): condition 0 needs a type among equal_to, not_equal_to, matches_any_of, does_not_match_any_of, is_blank, is_not_blank, regex, contains, does_not_contain, starts_with, does_not_start_with, less_than, greater_than, is_before_time, is_after_time, is_before_date, is_after_date; got "equals"' },
    { property_path: '#/states/4/transitions/1/next', message: 'Widget "menu" (gather-input-on-call): transition to "Nowhere" references a widget that doesn\'t exist' }
  ]
  return { definition, errors }
}

const UNKNOWN_FLOW = 'FW0000000000000000000000000000dead'

/**
 * Values outside the enums Studio's widgets take (each list sourced in docs/fidelity.md, "Flow validation"): what a
 * hand-written definition gets wrong, and the errors that name each widget and property.
 */
function brokenEnums (): { definition: Record<string, any>, errors: Array<{ message: string, property_path: string }> } {
  const definition = definitionWith([
    w('lookup', 'make-http-request', { url: 'https://example.com/x', method: 'PUT', content_type: 'text/plain' }, [{ event: 'success' }, { event: 'failed' }]),
    w('redirect', 'add-twiml-redirect', { url: 'https://example.com/twiml', method: 'get' }, [{ event: 'return' }, { event: 'timeout' }, { event: 'fail' }]),
    w('menu', 'gather-input-on-call', { say: 'Press', profanity_filter: 'yes' }, [{ event: 'keypress' }, { event: 'speech' }, { event: 'timeout' }]),
    w('voicemail', 'record-voicemail', { trim: 'true', play_beep: 'TRUE' }, [{ event: 'recordingComplete' }, { event: 'noAudio' }, { event: 'hangup' }]),
    w('recorder', 'record-call', { record_call: true, recording_channels: 'stereo', recording_status_callback_method: 'PUT', trim: 'trim' }, [{ event: 'success' }, { event: 'failed' }]),
    w('dial', 'make-outgoing-call-v2', { from: '{{flow.channel.address}}', to: '{{contact.channel.address}}', machine_detection: 'enable', recording_channels: 'both', trim: '{{flow.data.trim}}' }, [{ event: 'answered' }, { event: 'busy' }, { event: 'noAnswer' }, { event: 'failed' }]),
    w('queue', 'enqueue-call', { queue_name: 'support', wait_url_method: 'PATCH' }, [{ event: 'callComplete' }, { event: 'failedToEnqueue' }, { event: 'callFailure' }]),
    w('flex', 'send-to-flex', { workflow: 'WW' + '0'.repeat(32), channel: 'TC' + '0'.repeat(32), waitUrlMethod: 'HEAD' }, [{ event: 'callComplete' }, { event: 'failedToEnqueue' }, { event: 'callFailure' }]),
    w('pay', 'capture-payments', { payment_token_type: 'once', payment_method: 'credit-card' }, [{ event: 'success' }, { event: 'hangup' }]),
    w('stream', 'fork-stream', { stream_action: 'start', stream_transport_type: 'grpc', stream_track: 'inbound' }, [{ event: 'next' }])
  ], 'lookup')
  const got = (i: number, name: string, label: string, values: string, value: string, liquid = false) => ({
    property_path: `#/states/${i}/properties/${name}`,
    message: `Widget ${label}: ${name} must be one of ${values}${liquid ? ' (or a Liquid template)' : ''}; got ${JSON.stringify(value)}`
  })
  const errors = [
    got(1, 'method', '"lookup" (make-http-request)', 'GET, POST', 'PUT'),
    got(1, 'content_type', '"lookup" (make-http-request)', 'application/x-www-form-urlencoded;charset=utf-8, application/json;charset=utf-8, application/x-www-form-urlencoded, application/json', 'text/plain'),
    got(2, 'method', '"redirect" (add-twiml-redirect)', 'GET, POST', 'get', true),
    got(3, 'profanity_filter', '"menu" (gather-input-on-call)', 'true, false', 'yes', true),
    got(4, 'trim', '"voicemail" (record-voicemail)', 'trim-silence, do-not-trim', 'true', true),
    got(4, 'play_beep', '"voicemail" (record-voicemail)', 'true, false', 'TRUE', true),
    got(5, 'recording_status_callback_method', '"recorder" (record-call)', 'GET, POST', 'PUT', true),
    got(5, 'recording_channels', '"recorder" (record-call)', 'mono, dual', 'stereo', true),
    got(5, 'trim', '"recorder" (record-call)', 'trim-silence, do-not-trim', 'trim', true),
    got(6, 'recording_channels', '"dial" (make-outgoing-call-v2)', 'mono, dual', 'both'),
    got(6, 'trim', '"dial" (make-outgoing-call-v2)', 'trim-silence, do-not-trim', '{{flow.data.trim}}'),
    got(6, 'machine_detection', '"dial" (make-outgoing-call-v2)', 'Enable, DetectMessageEnd', 'enable', true),
    got(7, 'wait_url_method', '"queue" (enqueue-call)', 'GET, POST', 'PATCH'),
    got(8, 'waitUrlMethod', '"flex" (send-to-flex)', 'GET, POST', 'HEAD'),
    got(9, 'payment_token_type', '"pay" (capture-payments)', 'one-time, reusable', 'once'),
    got(9, 'payment_method', '"pay" (capture-payments)', 'CREDIT_CARD, ACH_DEBIT', 'credit-card'),
    got(10, 'stream_transport_type', '"stream" (fork-stream)', 'websocket, siprec', 'grpc'),
    got(10, 'stream_track', '"stream" (fork-stream)', 'inbound_track, outbound_track, both_tracks', 'inbound')
  ]
  return { definition, errors }
}

test('enums: a value outside what Studio offers is refused (81022 from Validate and publishing, naming the widget and property); Studio\'s own values, and a Liquid template where Studio takes one, pass', async (t) => {
  const app = await buildTestApp(t)
  const { definition, errors } = brokenEnums()
  assertRefused(await validate(app, definition), errors)
  assertRefused(await create(app, definition), errors)
  const draft = await create(app, definition, 'draft')
  assert.deepEqual([draft.status, draft.body.valid, draft.body.errors], [201, false, errors])

  const fixed = brokenEnums().definition
  Object.assign(fixed.states[1].properties, { method: 'POST', content_type: 'application/json;charset=utf-8' })
  Object.assign(fixed.states[2].properties, { method: '{{flow.data.method}}' })
  Object.assign(fixed.states[3].properties, { profanity_filter: 'false' })
  Object.assign(fixed.states[4].properties, { trim: 'do-not-trim', play_beep: '{% if flow.data.beep %}true{% else %}false{% endif %}' })
  Object.assign(fixed.states[5].properties, { recording_channels: 'dual', recording_status_callback_method: 'GET', trim: '{{flow.data.trim}}' })
  Object.assign(fixed.states[6].properties, { machine_detection: 'DetectMessageEnd', recording_channels: 'mono', trim: 'trim-silence' })
  Object.assign(fixed.states[7].properties, { wait_url_method: 'GET' })
  Object.assign(fixed.states[8].properties, { waitUrlMethod: 'POST' })
  Object.assign(fixed.states[9].properties, { payment_token_type: 'reusable', payment_method: 'ACH_DEBIT' })
  Object.assign(fixed.states[10].properties, { stream_transport_type: 'websocket', stream_track: 'both_tracks' })
  assert.deepEqual((await validate(app, fixed)).body, { valid: true })
  // The Content Type as the editor writes it, and bare as Twilio's widget catalog writes it.
  for (const contentType of ['application/x-www-form-urlencoded;charset=utf-8', 'application/json', 'application/x-www-form-urlencoded']) {
    fixed.states[1].properties.content_type = contentType
    assert.deepEqual((await validate(app, fixed)).body, { valid: true }, contentType)
  }
  assert.equal((await create(app, fixed)).status, 201)
})

test('create and update with Status=published refuse each broken rule with 81022, one error per problem naming its widget', async (t) => {
  const app = await buildTestApp(t)
  const { definition, errors } = brokenDefinition(UNKNOWN_FLOW)
  assertRefused(await create(app, definition), errors)
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 0, 'nothing stored')

  const flow = (await create(app, greetingDefinition())).body
  assertRefused(await call(app, 'POST', `/v2/Flows/${flow.sid}`, { Status: 'published', Definition: JSON.stringify(definition) }), errors)
  assert.equal((await call(app, 'GET', `/v2/Flows/${flow.sid}`)).body.revision, 1, 'no revision added')
})

test('Validate refuses the same problems, and answers {"valid": true} for a definition Studio accepts', async (t) => {
  const app = await buildTestApp(t)
  // Its run-subflow names a flow of the account, so the errors do not depend on Validate knowing the caller.
  const survey = (await create(app, greetingDefinition())).body.sid
  const { definition, errors } = brokenDefinition(survey)
  assertRefused(await validate(app, definition), errors.filter(e => !e.message.includes('names no flow')))

  const fixed = brokenDefinition(survey).definition
  fixed.states[1].properties.body = 'Hi'
  fixed.states[2].properties.timeout = '3600'
  fixed.states[2].transitions[0].event = 'incomingMessage'
  fixed.states[3].transitions[1].conditions[0].type = 'equal_to'
  fixed.states[4].properties = { say: 'Press a key', number_of_digits: 1, profanity_filter: 'true', offset: { x: 0, y: 800 } }
  fixed.states[4].transitions[1].next = 'greet'
  fixed.states[5].properties.noun = 'number'
  const ok = await validate(app, fixed)
  assert.equal(ok.status, 200)
  assertMatchesSpec('v2', 'UpdateFlowValidate', 200, ok.body)
  assert.deepEqual(ok.body, { valid: true })
  assert.equal((await create(app, fixed)).status, 201)
})

test('a draft is saved incomplete, as in Studio, with valid: false and its errors on the Flow and its Revision; publishing needs them fixed', async (t) => {
  const app = await buildTestApp(t)
  const { definition, errors } = brokenDefinition(UNKNOWN_FLOW)
  const draft = await create(app, definition, 'draft')
  assert.equal(draft.status, 201)
  assertMatchesSpec('v2', 'CreateFlow', 201, draft.body)
  assert.equal(draft.body.valid, false)
  assert.deepEqual(draft.body.errors, errors)
  assert.deepEqual(draft.body.warnings, [])
  const url = `/v2/Flows/${draft.body.sid}`
  assert.deepEqual((await call(app, 'GET', url)).body.errors, errors)
  const revision = (await call(app, 'GET', `${url}/Revisions/1`)).body
  assert.equal(revision.valid, false)
  assert.deepEqual(revision.errors, errors)

  // Another draft revision may stay incomplete; publishing it as it is is refused with the same errors.
  const half = brokenDefinition(UNKNOWN_FLOW).definition
  half.states[1].properties.body = 'Hi'
  const second = await call(app, 'POST', url, { Status: 'draft', Definition: JSON.stringify(half) })
  assert.equal(second.status, 200)
  assert.equal(second.body.revision, 2)
  assert.deepEqual(second.body.errors, errors.slice(1))
  assertRefused(await call(app, 'POST', url, { Status: 'published' }), errors.slice(1))
  const published = await call(app, 'POST', url, { Status: 'published', Definition: JSON.stringify(greetingDefinition()) })
  assert.equal(published.status, 200)
  assert.equal(published.body.valid, true)
  assert.deepEqual(published.body.errors, [])
})

/** Every Studio export under test/fixtures/ (the folder itself, flows/ and subflow-survey/). */
function fixtureDefinitions (): Array<[string, Record<string, any>]> {
  const root = new URL('../fixtures/', import.meta.url)
  return ['', 'flows/', 'subflow-survey/'].flatMap(folder => readdirSync(new URL(folder, root)).filter(n => n.endsWith('.json')).sort().map(name => {
    const { sid: _sid, friendly_name: _name, status: _status, ...rest } = JSON.parse(readFileSync(new URL(folder + name, root), 'utf8'))
    return [folder + name, rest.definition ?? rest] as [string, Record<string, any>]
  }))
}

test('every Studio export under test/fixtures/ validates and publishes (its subflow loaded from STUDIO_FLOWS_DIR)', async (t) => {
  const app = await buildTestApp(t, { raw: { flowsDir: SUBFLOW_FIXTURES } })
  const fixtures = fixtureDefinitions()
  assert.ok(fixtures.length >= 12)
  for (const [file, definition] of fixtures) {
    const ok = await validate(app, definition)
    assert.deepEqual([ok.status, ok.body], [200, { valid: true }], `${file}: ${JSON.stringify(ok.body)}`)
    const made = await create(app, definition)
    assert.equal(made.status, 201, `${file}: ${JSON.stringify(made.body)}`)
    assert.deepEqual([made.body.valid, made.body.errors], [true, []], file)
  }
})

const subflowParent = (flowSid: string) =>
  definitionWith([w('sub', 'run-subflow', { flow_sid: flowSid, flow_revision: 'LatestPublished', parameters: [{ key: 'a', value: 'b' }] }, [{ event: 'completed' }, { event: 'failed' }])], 'sub')
const noFlow = (flowSid: string) => [{ property_path: '#/states/1/properties/flow_sid', message: `Widget "sub" (run-subflow): flow_sid ${flowSid} names no flow in this account` }]

test('run-subflow: the flow_sid must name a flow of the caller\'s account, in auto and strict mode; a draft keeps the error', async (t) => {
  for (const flows of ['auto', 'strict'] as const) {
    const app = await buildTestApp(t, { raw: { flows } })
    const ofB = (await create(app, greetingDefinition(), 'published', ACCOUNT_B)).body.sid as string
    const ofA = (await create(app, greetingDefinition())).body.sid as string
    for (const sid of [ofB, UNKNOWN_FLOW]) {
      assertRefused(await create(app, subflowParent(sid)), noFlow(sid))
      assertRefused(await create(app, subflowParent(sid), 'published', KEY_A), noFlow(sid))
      const draft = await create(app, subflowParent(sid), 'draft')
      assert.deepEqual([draft.status, draft.body.valid, draft.body.errors], [201, false, noFlow(sid)], flows)
    }
    assert.equal((await create(app, subflowParent(ofA))).status, 201)
    assert.equal((await create(app, subflowParent(ofA), 'published', KEY_A)).status, 201)
    assert.equal((await create(app, subflowParent(ofB), 'published', ACCOUNT_B)).status, 201)
    for (const bad of ['FWnope', '{{flow.data.sid}}']) {
      assertRefused(await create(app, subflowParent(bad)), [{ property_path: '#/states/1/properties/flow_sid', message: `Widget "sub" (run-subflow): flow_sid must be a Flow SID (FW followed by 32 hex digits); got ${JSON.stringify(bad)}` }])
    }
    // A flow deleted after its parent was published makes the parent's next revision invalid.
    const parent = (await create(app, subflowParent(ofA))).body.sid as string
    assert.equal((await call(app, 'DELETE', `/v2/Flows/${ofA}`)).status, 204)
    assertRefused(await call(app, 'POST', `/v2/Flows/${parent}`, { Status: 'published', CommitMessage: 'again', FriendlyName: 'renamed' }), noFlow(ofA))
  }
})

test('run-subflow in auto mode: a FlowSid registered on first use is a flow of the account, an unused one is not', async (t) => {
  const app = await buildTestApp(t)
  const used = 'FW0000000000000000000000000000a070'
  assertRefused(await create(app, subflowParent(used)), noFlow(used))
  assert.equal((await call(app, 'POST', `/v2/Flows/${used}/Executions`, { To: '+15550000001', From: '+15550000002' })).status, 201)
  assert.equal((await create(app, subflowParent(used))).status, 201)
  assertRefused(await create(app, subflowParent(used), 'published', ACCOUNT_B), noFlow(used))
})

test('Validate checks a run-subflow\'s flow_sid in the caller\'s account', async (t) => {
  const app = await buildTestApp(t)
  const ofB = (await create(app, greetingDefinition(), 'published', ACCOUNT_B)).body.sid as string
  assertRefused(await validate(app, subflowParent(ofB)), noFlow(ofB))
  assertRefused(await validate(app, subflowParent(UNKNOWN_FLOW)), noFlow(UNKNOWN_FLOW))
  assert.deepEqual((await validate(app, subflowParent(ofB), ACCOUNT_B)).body, { valid: true })
})

function folder (t: TestContext, files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-flows-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, doc] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(doc))
  return dir
}

test('STUDIO_FLOWS_DIR: a run-subflow may name a flow of a later file or one the account has; naming neither stops startup', async (t) => {
  // The parent's file sorts before its subflow's: the whole folder is read before subflows are looked up.
  const child = 'FW00000000000000000000000000000c01'
  const dir = folder(t, { 'a-parent.json': { sid: 'FW00000000000000000000000000000a01', ...subflowParent(child) }, 'b-child.json': { sid: child, ...greetingDefinition() } })
  const app = await buildTestApp(t, { raw: { flowsDir: dir, flows: 'strict' } })
  for (const who of [ACCOUNT_A, ACCOUNT_B]) {
    const parent = await call(app, 'GET', '/v2/Flows/FW00000000000000000000000000000a01', undefined, who)
    assert.deepEqual([parent.body.status, parent.body.valid], ['published', true])
  }

  // The subfixture folder as a real export pair: the same.
  const copy = mkdtempSync(join(tmpdir(), 'studio-flows-'))
  t.after(() => rmSync(copy, { recursive: true, force: true }))
  cpSync(SUBFLOW_FIXTURES, copy, { recursive: true })
  rmSync(join(copy, 'survey.json'))
  await assert.rejects(buildApp({ config: testConfig({ flowsDir: copy }) }), (err: Error) => err instanceof FlowFileError &&
    err.message.includes('parent.json') && err.message.includes(`flow_sid ${SURVEY} names no flow in this account`))

  // A flow the account already has (a persistent database) counts; each account is checked on its own.
  const dbDir = mkdtempSync(join(tmpdir(), 'studio-db-'))
  t.after(() => rmSync(dbDir, { recursive: true, force: true }))
  const db = join(dbDir, 'studio.db')
  let made = await buildApp({ config: testConfig({ db }) })
  const apiFlow = (await create(made, greetingDefinition())).body.sid as string
  await made.close()
  const uses = folder(t, { 'uses.json': subflowParent(apiFlow) })
  await assert.rejects(buildApp({ config: testConfig({ db, flowsDir: uses }) }), (err: Error) => err instanceof FlowFileError &&
    err.message.includes('uses.json') && err.message.includes(`account ${ACCOUNT_B.sid}`) && err.message.includes(`flow_sid ${apiFlow}`))
  made = await buildApp({ config: testConfig({ db, flowsDir: uses, accounts: `${ACCOUNT_A.sid}:${ACCOUNT_A.authToken}` }) })
  t.after(async () => { await made.close() })
  assert.equal((await call(made, 'GET', '/v2/Flows')).body.flows.length, 2)
})

test('hostile definitions never answer a 5xx: each is refused with 81022 and well-formed errors, or saved as a draft with them', async (t) => {
  const app = await buildTestApp(t)
  const hostile: unknown[] = [
    { states: [null, 1, 'x', [], { name: {}, type: [], properties: 'p', transitions: null }], initial_state: 7 },
    { states: [{ name: '__proto__', type: 'constructor', properties: { __proto__: { body: 1 } }, transitions: [{ event: '__proto__', next: 'toString' }] }], initial_state: '__proto__' },
    definitionWith(Object.keys(WIDGET_TYPES).map((type, i) => ({ name: `w${i}`, type, properties: Object.fromEntries(['body', 'flow_sid', 'noun', 'timeout', 'parameters', 'variables', 'offset', 'input', 'url', 'stream_action', 'workflow', 'channel', 'loop'].map(p => [p, i % 2 === 0 ? { nested: [[[null]]] } : [1, { key: 2 }]])), transitions: [{ event: 'match', conditions: [{ type: {}, value: [], arguments: {} }, null] }, { event: 7 }, 'next'] }))),
    definitionWith(Array.from({ length: 1001 }, (_, i) => ({ name: `s${i}`, type: 'split-based-on', properties: { input: 'x' }, transitions: [{ event: 'match', next: `s${i + 1}`, conditions: [{ type: 'regex', value: '(', arguments: [] }] }] }))),
    definitionWith([{ name: 'x'.repeat(50_000), type: 'y'.repeat(50_000), properties: { offset: 'z'.repeat(50_000) }, transitions: [{ event: 'e'.repeat(50_000) }] }])
  ]
  const json = fc.sample(fc.record({
    states: fc.array(fc.record({ name: fc.string(), type: fc.constantFrom(...Object.keys(WIDGET_TYPES)), properties: fc.dictionary(fc.constantFrom('body', 'flow_sid', 'noun', 'timeout', 'variables', 'offset'), fc.jsonValue({ maxDepth: 2 })), transitions: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }), { maxLength: 5 }),
    initial_state: fc.jsonValue({ maxDepth: 1 })
  }, { requiredKeys: [] }), { numRuns: 60, seed: 81022 })
  for (const definition of [...hostile, ...json]) {
    for (const status of ['published', 'draft'] as const) {
      const res = await create(app, definition, status)
      assert.ok(res.status < 500, `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`)
      const errors = res.status === 400 ? res.body.details?.errors : res.body.errors
      if (res.status === 400) assertTwilioError(res, 400, res.body.code === 20001 ? 20001 : 81022)
      else assert.equal(res.status, 201)
      for (const e of errors ?? []) {
        assert.equal(typeof e.message, 'string')
        assert.match(e.property_path, /^#(\/[^/]*)*$/)
      }
    }
    const checked = await validate(app, definition)
    assert.ok(checked.status === 200 || checked.status === 400, String(checked.status))
  }
})
