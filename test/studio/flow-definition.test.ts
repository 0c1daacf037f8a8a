// The flow-definition validator on its own (src/studio/flow-definition.ts, rules in src/studio/widget-types.ts):
// every Studio export under test/fixtures/ is valid, each rule gives an error naming its widget with a JSON-pointer
// path, run-subflow flow_sids are looked up through the context, the flow service checks them in the caller's
// account (Validate included), and no definition, however hostile, makes it throw.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { test } from 'node:test'
import fc from 'fast-check'
import { createControllableClock } from '../../src/clock.js'
import { migrate } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'
import { createStore } from '../../src/db/store.js'
import { SPLIT_PREDICATES } from '../../src/engine/split.js'
import { validateDefinition } from '../../src/studio/flow-definition.js'
import { createFlowService } from '../../src/studio/flows.js'
import { WIDGET_TYPES } from '../../src/studio/widget-types.js'
import { TwilioError } from '../../src/twilio/errors.js'
import { definitionWith, greetingDefinition } from '../support/flows.js'

const ACCOUNT_A = 'AC11111111111111111111111111111111'
const ACCOUNT_B = 'AC22222222222222222222222222222222'

/** Every Studio export kept as a fixture: test/fixtures/*.json, flows/ and subflow-survey/. */
function fixtureFiles (): Array<{ file: string, sid: string | undefined, definition: Record<string, any> }> {
  const root = new URL('../fixtures/', import.meta.url)
  const files: Array<{ file: string, sid: string | undefined, definition: Record<string, any> }> = []
  for (const folder of ['', 'flows/', 'subflow-survey/']) {
    const dir = new URL(folder, root)
    for (const name of readdirSync(dir).filter(n => n.endsWith('.json')).sort()) {
      const { sid, friendly_name: _name, status: _status, ...rest } = JSON.parse(readFileSync(new URL(name, dir), 'utf8'))
      files.push({ file: `${folder}${name}`, sid, definition: rest.definition ?? rest })
    }
  }
  return files
}

const errorsOf = (definition: Record<string, any>, flowExists?: (sid: string) => boolean) =>
  validateDefinition(definition, flowExists === undefined ? {} : { flowExists }).errors

/** The one error at `path`, failing with the whole list when there is none or several. */
function errorAt (definition: Record<string, any>, path: string, flowExists?: (sid: string) => boolean): string {
  const errors = errorsOf(definition, flowExists)
  const at = errors.filter(e => e.property_path === path)
  assert.equal(at.length, 1, `one error at ${path} in ${JSON.stringify(errors, null, 1)}`)
  return at[0].message
}

const w = (name: string, type: string, properties: Record<string, unknown>, transitions: Array<Record<string, unknown>>) =>
  ({ name, type, properties: { offset: { x: 0, y: 0 }, ...properties }, transitions })

test('every Studio export under test/fixtures/ is valid, its subflow found among the fixtures', () => {
  const files = fixtureFiles()
  assert.ok(files.length >= 12, `fixtures found: ${files.map(f => f.file).join(', ')}`)
  const sids = new Set(files.map(f => f.sid).filter(s => s !== undefined))
  for (const f of files) {
    assert.deepEqual(errorsOf(f.definition, sid => sids.has(sid)), [], f.file)
    assert.deepEqual(errorsOf(f.definition), [], `${f.file} without a flow lookup`)
  }
})

test('required properties: named with the widget and a path to the property; a Content template stands for the body', () => {
  const d = definitionWith([w('greet', 'send-message', {}, [{ event: 'sent' }, { event: 'failed' }])], 'greet')
  assert.equal(errorAt(d, '#/states/1/properties/body'), 'Widget "greet" (send-message): body is required')
  d.states[1].properties.content_sid = 'HX00000000000000000000000000000001'
  assert.deepEqual(errorsOf(d), [])

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['send-and-wait-for-reply', {}, ['body']],
    ['split-based-on', {}, ['input']],
    ['make-http-request', { method: 'GET' }, ['url']],
    ['run-function', {}, ['url']],
    ['run-subflow', {}, ['flow_sid']],
    ['connect-call-to', { to: '+15550001111' }, ['noun']],
    ['make-outgoing-call-v1', {}, ['from', 'to']],
    ['make-outgoing-call-v2', { to: '{{contact.channel.address}}' }, ['from']],
    ['send-to-flex', { priority: '0' }, ['workflow', 'channel']],
    ['connect-virtual-agent', {}, ['connector']]
  ]
  for (const [type, properties, missing] of cases) {
    const def = definitionWith([w('x', type, properties, [])], 'x')
    const errors = errorsOf(def)
    assert.deepEqual(errors.map(e => e.property_path), missing.map(p => `#/states/1/properties/${p}`), type)
    assert.deepEqual(errors.map(e => e.message), missing.map(p => `Widget "x" (${type}): ${p} is required`), type)
  }
  // Widgets whose types require nothing, and the properties left out of an export (no `properties` at all).
  for (const type of ['say-play', 'gather-input-on-call', 'set-variables', 'enqueue-call', 'record-voicemail', 'record-call', 'add-twiml-redirect', 'capture-payments', 'fork-stream', 'create-task']) {
    assert.deepEqual(errorsOf(definitionWith([{ name: 'x', type, transitions: [] }], 'x')), [], type)
  }
})

test('property types and values as Studio\'s schema gives them: integers, "true"/"false" strings, enums, key/value lists, offset', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['gather-input-on-call', { number_of_digits: '1' }, 'number_of_digits', 'must be an integer; got the string "1"'],
    ['gather-input-on-call', { timeout: 5.5 }, 'timeout', 'must be an integer; got the number 5.5'],
    ['gather-input-on-call', { profanity_filter: true }, 'profanity_filter', 'must be a string; got the boolean true'],
    ['gather-input-on-call', { stop_gather: 'true' }, 'stop_gather', 'must be a boolean (true or false); got the string "true"'],
    ['say-play', { loop: '2' }, 'loop', 'must be an integer; got the string "2"'],
    ['record-voicemail', { play_beep: true }, 'play_beep', 'must be a string; got the boolean true'],
    ['send-to-flex', { workflow: 'WW1', channel: 'TC1', priority: 10 }, 'priority', 'must be a string; got the number 10'],
    ['send-to-flex', { workflow: 'WW1', channel: 'TC1', timeout: 3600 }, 'timeout', 'must be a string; got the number 3600'],
    ['send-and-wait-for-reply', { body: 'hi', timeout: 3600 }, 'timeout', 'must be a string; got the number 3600'],
    ['connect-call-to', { noun: 'phone' }, 'noun', 'must be one of number, number-multi, client, sip, conference, sim; got "phone"'],
    ['connect-call-to', { noun: 'number', timeout: '30' }, 'timeout', 'must be an integer; got the string "30"'],
    ['make-outgoing-call-v2', { from: 'a', to: 'b', machine_detection_timeout: 30 }, 'machine_detection_timeout', 'must be a string; got the number 30'],
    ['fork-stream', { stream_action: 'Start' }, 'stream_action', 'must be one of start, stop; got "Start"'],
    ['send-message', { body: ['hi'] }, 'body', 'must be a string; got an array'],
    ['set-variables', { variables: { key: 'a' } }, 'variables', 'must be an array of {key, value} objects; got an object'],
    ['capture-payments', { security_code: 'true' }, 'security_code', 'must be a boolean (true or false); got the string "true"']
  ]
  for (const [type, properties, name, message] of cases) {
    const d = definitionWith([w('x', type, properties, [])], 'x')
    assert.equal(errorAt(d, `#/states/1/properties/${name}`), `Widget "x" (${type}): ${name} ${message}`)
  }

  const pairs = definitionWith([w('fn', 'run-function', { url: 'https://x.twil.io/f', parameters: [{ key: 'a', value: 'b' }, 'c', { value: 'd' }, { key: 'e', value: 5 }] }, [])], 'fn')
  assert.equal(errorAt(pairs, '#/states/1/properties/parameters/1'), 'Widget "fn" (run-function): parameters[1] must be a {key, value} object; got the string "c"')
  assert.equal(errorAt(pairs, '#/states/1/properties/parameters/2/key'), 'Widget "fn" (run-function): parameters[2].key is required and must be a string')
  assert.equal(errorAt(pairs, '#/states/1/properties/parameters/3/value'), 'Widget "fn" (run-function): parameters[3].value must be a string; got the number 5')

  const offsets = definitionWith([w('a', 'say-play', { offset: 'top' }, []), w('b', 'say-play', { offset: { x: '1', y: 2 } }, [])], 'a')
  offsets.states[0].properties.offset = null
  assert.equal(errorAt(offsets, '#/states/0/properties/offset'), 'Widget "Trigger" (trigger): offset must be an object ({x, y}); got null')
  assert.equal(errorAt(offsets, '#/states/1/properties/offset'), 'Widget "a" (say-play): offset must be an object ({x, y}); got the string "top"')
  assert.equal(errorAt(offsets, '#/states/2/properties/offset/x'), 'Widget "b" (say-play): offset.x must be a number; got the string "1"')
})

test('transitions: only the events a widget type defines, to widgets that exist; a split\'s match needs well-formed conditions', () => {
  const d = definitionWith([
    w('ask', 'send-and-wait-for-reply', { body: 'Name?' }, [{ event: 'reply', next: 'thanks' }, { event: 'timeout', next: 'nowhere' }]),
    w('thanks', 'send-message', { body: 'Thanks' }, [{ event: 'sent' }, { event: 'failed' }, {}]),
    w('custom', 'create-task', {}, [{ event: 'anything' }])
  ], 'ask')
  assert.equal(errorAt(d, '#/states/1/transitions/0/event'), 'Widget "ask" (send-and-wait-for-reply) has no event "reply"; its events are incomingMessage, timeout, deliveryFailure')
  assert.equal(errorAt(d, '#/states/1/transitions/1/next'), 'Widget "ask" (send-and-wait-for-reply): transition to "nowhere" references a widget that doesn\'t exist')
  assert.equal(errorAt(d, '#/states/2/transitions/2/event'), 'Widget "thanks" (send-message): transition 2 needs an event')
  assert.equal(errorsOf(d).length, 3, 'a type without a list of events (create-task) takes any event')

  // Every type's own events are accepted.
  for (const [type, rules] of Object.entries(WIDGET_TYPES)) {
    if (rules.events === undefined || type === 'trigger') continue
    const def = definitionWith([w('x', type, {}, rules.events.map(event => event === 'match' ? { event, conditions: [] } : { event }))], 'x')
    assert.deepEqual(errorsOf(def).filter(e => e.property_path.includes('/transitions/')), [], type)
  }

  const split = definitionWith([w('route', 'split-based-on', { input: '{{trigger.message.Body}}' }, [
    { event: 'noMatch' },
    { event: 'match' },
    { event: 'match', conditions: 'yes' },
    { event: 'match', conditions: [{ friendly_name: 'x', arguments: ['{{trigger.message.Body}}'], type: 'equals', value: '1' }] },
    { event: 'match', conditions: [{ type: 'is_blank' }, 'c', { type: 'regex', value: 7, arguments: 'x', friendly_name: 1 }] },
    { event: 'match', conditions: SPLIT_PREDICATES.map(type => ({ friendly_name: type, arguments: ['a'], type, value: 'v' })) }
  ])], 'route')
  const at = (path: string) => errorAt(split, `#/states/1/transitions/${path}`)
  assert.equal(at('1/conditions'), 'Widget "route" (split-based-on): a match transition needs conditions (an array)')
  assert.equal(at('2/conditions'), 'Widget "route" (split-based-on): a match transition needs conditions (an array)')
  assert.equal(at('3/conditions/0/type'), `Widget "route" (split-based-on): condition 0 needs a type among ${SPLIT_PREDICATES.join(', ')}; got "equals"`)
  assert.equal(at('4/conditions/0/value'), 'Widget "route" (split-based-on): condition 0 needs a value (a string); got none')
  assert.equal(at('4/conditions/0/arguments'), 'Widget "route" (split-based-on): condition 0 needs arguments (an array); got none')
  assert.equal(at('4/conditions/1'), 'Widget "route" (split-based-on): condition 1 must be an object')
  assert.equal(at('4/conditions/2/value'), 'Widget "route" (split-based-on): condition 2 needs a value (a string); got the number 7')
  assert.equal(at('4/conditions/2/arguments'), 'Widget "route" (split-based-on): condition 2 needs arguments (an array); got the string "x"')
  assert.equal(at('4/conditions/2/friendly_name'), 'Widget "route" (split-based-on): condition 2\'s friendly_name must be a string')
  assert.equal(errorsOf(split).length, 9, 'the 17 predicates are all accepted')
})

test('one Trigger, unique names, and messages that name the widget', () => {
  const two = greetingDefinition()
  two.states.push({ ...two.states[0], name: 'Second' })
  assert.equal(errorAt(two, '#/states'), 'the flow may have only one Trigger widget; it has 2: "Trigger", "Second"')
  const none = greetingDefinition()
  none.states.shift()
  none.initial_state = 'Greet'
  assert.equal(errorAt(none, '#/states'), 'the flow needs a Trigger widget (type "trigger")')
  const same = greetingDefinition()
  same.states.push({ ...same.states[1] })
  assert.equal(errorAt(same, '#/states/2/name'), 'Widget name "Greet" is not unique (also the name of #/states/1)')
  const odd = definitionWith([{ type: 'send-message', properties: { body: 'x' }, transitions: [] }, { name: 'y', type: 'carrier-pigeon', transitions: [] }, { name: 'z', properties: [], transitions: {} }])
  assert.equal(errorAt(odd, '#/states/1/name'), 'Widget #/states/1 (send-message): name is required')
  assert.equal(errorAt(odd, '#/states/2/type'), 'Widget "y" (carrier-pigeon): "carrier-pigeon" is not a known widget type')
  assert.equal(errorAt(odd, '#/states/3/type'), 'Widget "z": type is required')
  assert.equal(errorAt(odd, '#/states/3/properties'), 'Widget "z": properties must be an object')
  assert.equal(errorAt(odd, '#/states/3/transitions'), 'Widget "z": transitions must be an array')
})

test('run-subflow: flow_sid is a Flow SID naming a flow the lookup knows; without a lookup only its form is checked', () => {
  const KNOWN = 'FW00000000000000000000000000000001'
  const sub = (flowSid: unknown) => definitionWith([w('sub', 'run-subflow', { flow_sid: flowSid, flow_revision: 'LatestPublished', parameters: [] }, [{ event: 'completed' }, { event: 'failed' }])], 'sub')
  const exists = (sid: string) => sid === KNOWN
  assert.deepEqual(errorsOf(sub(KNOWN), exists), [])
  assert.equal(errorAt(sub('FW00000000000000000000000000000002'), '#/states/1/properties/flow_sid', exists),
    'Widget "sub" (run-subflow): flow_sid FW00000000000000000000000000000002 names no flow in this account')
  assert.deepEqual(errorsOf(sub('FW00000000000000000000000000000002')), [])
  for (const bad of ['FWnope', '{{flow.data.sid}}', 'ZZ00000000000000000000000000000001']) {
    assert.equal(errorAt(sub(bad), '#/states/1/properties/flow_sid', exists),
      `Widget "sub" (run-subflow): flow_sid must be a Flow SID (FW followed by 32 hex digits); got ${JSON.stringify(bad)}`)
  }
  assert.equal(errorAt(sub(7), '#/states/1/properties/flow_sid', exists), 'Widget "sub" (run-subflow): flow_sid must be a string; got the number 7')
})

function flowService (mode: 'auto' | 'strict') {
  const db = openDatabase(':memory:')
  migrate(db)
  const store = createStore(db)
  const flows = createFlowService({ store, clock: createControllableClock(), mode })
  return { store, flows }
}

test('the flow service checks run-subflow flow_sids in the caller\'s account, for Validate, create and update, in auto and strict mode', () => {
  for (const mode of ['auto', 'strict'] as const) {
    const { flows } = flowService(mode)
    const a = { accountSid: ACCOUNT_A, principalSid: ACCOUNT_A }
    const b = { accountSid: ACCOUNT_B, principalSid: ACCOUNT_B }
    const child = flows.create(b, { friendlyName: 'child of B', status: 'published', definition: JSON.stringify(greetingDefinition()) })
    const parent = JSON.stringify(definitionWith([w('sub', 'run-subflow', { flow_sid: child.sid }, [{ event: 'completed' }, { event: 'failed' }])], 'sub'))
    const refused = (fn: () => unknown) => {
      assert.throws(fn, (err: unknown) => err instanceof TwilioError && err.code === 81022 &&
        JSON.stringify(err.details) === JSON.stringify({ errors: [{ message: `Widget "sub" (run-subflow): flow_sid ${child.sid} names no flow in this account`, property_path: '#/states/1/properties/flow_sid' }] }), mode)
    }
    // Account A does not see account B's flow.
    refused(() => flows.validate({ status: 'published', definition: parent }, a))
    refused(() => flows.create(a, { friendlyName: 'p', status: 'published', definition: parent }))
    const draft = flows.create(a, { friendlyName: 'p', status: 'draft', definition: parent })
    refused(() => flows.update(a, draft.sid, { status: 'published' }))
    // Account B does.
    flows.validate({ status: 'published', definition: parent }, b)
    const published = flows.create(b, { friendlyName: 'p', status: 'published', definition: parent })
    assert.equal(published.revision, 1)
    // A flow registered on first use (auto mode) exists in its account like any other.
    if (mode === 'auto') {
      const auto = 'FW0000000000000000000000000000a070'
      flows.executionTarget(a, auto, '+15550000001')
      flows.create(a, { friendlyName: 'p', status: 'published', definition: parent.replace(child.sid, auto) })
    }
  }
})

test('no definition makes the validator throw; every error is {message, property_path} with a JSON pointer', () => {
  const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
  const anything = fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true })
  const types = fc.oneof(fc.constantFrom(...Object.keys(WIDGET_TYPES), '__proto__', 'constructor', 'toString', ''), scalar)
  const names = fc.oneof(fc.constantFrom('Trigger', 'a', 'b', '__proto__', 'constructor', 'hasOwnProperty', ''), scalar)
  const propertyNames = fc.constantFrom('body', 'offset', 'flow_sid', 'noun', 'timeout', 'parameters', 'variables', 'input', 'url',
    'number_of_digits', 'content_sid', '__proto__', 'constructor', 'workflow', 'channel', 'stream_action', 'loop')
  const condition = fc.oneof(anything, fc.record({ type: fc.oneof(fc.constantFrom(...SPLIT_PREDICATES, 'hasOwnProperty'), anything), value: anything, arguments: anything, friendly_name: anything }, { requiredKeys: [] }))
  const transition = fc.oneof(anything, fc.record({ event: fc.oneof(fc.constantFrom('match', 'noMatch', 'sent', 'next', 'completed', '__proto__'), anything), next: fc.oneof(names, anything), conditions: fc.oneof(fc.array(condition, { maxLength: 3 }), anything) }, { requiredKeys: [] }))
  const properties = fc.oneof(anything, fc.dictionary(propertyNames, anything, { maxKeys: 6 }))
  const state = fc.oneof(anything, fc.record({ name: names, type: types, properties, transitions: fc.oneof(fc.array(transition, { maxLength: 4 }), anything) }, { requiredKeys: [] }))
  const definition = fc.record({
    description: fc.oneof(fc.string(), anything),
    states: fc.oneof(fc.array(state, { maxLength: 6 }), anything),
    initial_state: fc.oneof(names, anything),
    flags: fc.oneof(fc.record({ allow_concurrent_calls: anything }), anything)
  }, { requiredKeys: [] })
  fc.assert(fc.property(definition, fc.boolean(), (d, lookup) => {
    const report = validateDefinition(d as Record<string, any>, lookup ? { flowExists: sid => sid.endsWith('1') } : {})
    assert.deepEqual(report.warnings, [])
    for (const e of report.errors) {
      assert.deepEqual(Object.keys(e).sort(), ['message', 'property_path'])
      assert.ok(typeof e.message === 'string' && e.message.length > 0 && e.message.length < 2000, e.message)
      assert.match(e.property_path, /^#(\/[^/]*)*$/)
    }
  }), { numRuns: Number(process.env.HOSTILE_RUNS ?? 3000) })
})
