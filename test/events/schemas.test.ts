// Every event the sink receives validates against Twilio's Event Streams schemas for Studio, written here as our own
// JSON Schema (nothing is fetched at run time, nothing of Twilio's is copied). What each part is derived from, as seen
// on 2026-12-03 (searches of Twilio's docs, GitHub code and Elastic's Twilio integration):
// - The published JSON itself (https://events-schemas.twilio.com/Studio.FlowExecutionEvent/2 and
//   …/Studio.FlowStepEvent/1) could not be read: no stored copy of either exists in any source searched, so the
//   published field lists below are taken from Twilio's renderings of them.
// - Studio.FlowExecutionEvent/2: the "Versions → v2 (latest)" list of
//   https://www.twilio.com/docs/events/event-types/studio/flow ("v2 only contains updates to the schema metadata ...
//   no new fields between v1 and v2"), which states each field's type and whether it is required: strings execution_sid, account_sid, flow_sid, contact_channel_address, status, date_created,
//   started_by (required), ended_reason, date_updated (optional) and the integer flow_revision (required). That list
//   gives ended_reason and status no set of values, so none is checked here. This part is exact.
// - Studio.FlowStepEvent/1: its field names and descriptions ("Step SID from Event", "Parent Step SID from Event",
//   "Step that the event transitioned from", "Step creation date", …) from Elastic's Twilio integration field list
//   (twilio.Studio.FlowStepEvent.*, whose FlowExecutionEvent descriptions match Twilio's list word for word): account_sid,
//   flow_sid, execution_sid, step_sid, parent_step_sid, name, transitioned_from, transitioned_to, date_created. Their
//   JSON types are taken as string (Elastic indexes them as keyword/date) and which are required was not published in
//   any source found: every field but parent_step_sid (a subflow step's only) is required here, which is at least as
//   strict. This part is derived, not exact.
// - The CloudEvents envelope (specversion, type, source, id, time, datacontenttype, dataschema, data) from the same
//   page's examples and CloudEvents 1.0; the examples' own envelope values are placeholders (source "AB…", id "NO…",
//   datacontenttype holding a date), so ids follow Twilio's Event Streams form EZ + 32 hex (e.g.
//   "EZf4688ba7bbbd5f8421c13b23b2cc6bcb" in Elastic's Twilio integration) and datacontenttype is application/json.
// Dates are ISO 8601 with milliseconds, as in Twilio's examples ("2025-01-01T00:00:00.000Z"). Unlisted fields are
// refused (additionalProperties: false) to catch a misspelt name.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { ACCOUNT_A, buildTestApp, call, idle } from '../support/helper.js'
import { askDefinition, definitionWith } from '../support/flows.js'
import { flowOf, publish, start, widget } from '../support/engine-helper.js'
import { sink, until } from '../support/event-sink.js'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ajv = addFormats(new Ajv({ allErrors: true, strict: true }))

const STARTED = 'com.twilio.studio.flow.execution.started'
const STEP = 'com.twilio.studio.flow.step.ended'
const ENDED = 'com.twilio.studio.flow.execution.ended'
const EXECUTION_SCHEMA = 'https://events-schemas.twilio.com/Studio.FlowExecutionEvent/2'
const STEP_SCHEMA = 'https://events-schemas.twilio.com/Studio.FlowStepEvent/1'

const sid = (prefix: string) => ({ type: 'string', pattern: `^${prefix}[0-9a-fA-F]{32}$` })
const date = { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' }

const flowExecutionEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['execution_sid', 'account_sid', 'flow_sid', 'contact_channel_address', 'status', 'date_created', 'started_by', 'flow_revision'],
  properties: {
    execution_sid: sid('FN'),
    account_sid: sid('AC'),
    flow_sid: sid('FW'),
    contact_channel_address: { type: 'string' },
    status: { type: 'string' },
    ended_reason: { type: 'string' },
    date_created: date,
    date_updated: date,
    started_by: { type: 'string' },
    flow_revision: { type: 'integer' }
  }
}

const flowStepEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['account_sid', 'flow_sid', 'execution_sid', 'step_sid', 'name', 'transitioned_from', 'transitioned_to', 'date_created'],
  properties: {
    account_sid: sid('AC'),
    flow_sid: sid('FW'),
    execution_sid: sid('FN'),
    step_sid: sid('FT'),
    parent_step_sid: sid('FT'),
    name: { type: 'string' },
    transitioned_from: { type: 'string' },
    transitioned_to: { type: 'string' },
    date_created: date
  }
}

const cloudEvent = (type: string, dataschema: string, data: object) => ({
  type: 'object',
  additionalProperties: false,
  required: ['specversion', 'type', 'source', 'id', 'time', 'datacontenttype', 'dataschema', 'data'],
  properties: {
    specversion: { const: '1.0' },
    type: { const: type },
    source: { type: 'string', minLength: 1 },
    id: { type: 'string', pattern: '^EZ[0-9a-f]{32}$' },
    time: date,
    datacontenttype: { const: 'application/json' },
    dataschema: { const: dataschema },
    data
  }
})

const validators = {
  [STARTED]: ajv.compile(cloudEvent(STARTED, EXECUTION_SCHEMA, flowExecutionEvent)),
  [ENDED]: ajv.compile(cloudEvent(ENDED, EXECUTION_SCHEMA, flowExecutionEvent)),
  [STEP]: ajv.compile(cloudEvent(STEP, STEP_SCHEMA, flowStepEvent))
}

function assertValid (event: any): void {
  const validate = validators[event.type as keyof typeof validators]
  assert.ok(validate !== undefined, `unknown event type ${String(event.type)}`)
  assert.ok(validate(event), `${String(event.type)} ${JSON.stringify(event)}: ${ajv.errorsText(validate.errors)}`)
}

test('the schemas above accept Twilio\'s example and refuse an EV id, a null field, no started_by, a string flow_revision, a date without milliseconds', () => {
  const execution = {
    specversion: '1.0',
    type: ENDED,
    source: '/v2/Flows/FW00000000000000000000000000000001/Executions/FN00000000000000000000000000000001',
    id: 'EZ0123456789abcdef0123456789abcdef',
    time: '2025-01-01T00:00:01.000Z',
    datacontenttype: 'application/json',
    dataschema: EXECUTION_SCHEMA,
    data: {
      execution_sid: 'FN00000000000000000000000000000001',
      account_sid: 'AC00000000000000000000000000000001',
      flow_sid: 'FW00000000000000000000000000000001',
      contact_channel_address: '+11234567890',
      status: 'ended',
      ended_reason: 'FLOW_END',
      date_created: '2025-01-01T00:00:00.000Z',
      date_updated: '2025-01-01T00:00:01.000Z',
      started_by: 'CA00000000000000000000000000000001',
      flow_revision: 1196
    }
  }
  assert.ok(validators[ENDED](execution), ajv.errorsText(validators[ENDED].errors))
  const { started_by: _, ...noStartedBy } = execution.data
  for (const bad of [
    { ...execution, id: 'EV0123456789abcdef0123456789abcdef' },
    { ...execution, data: noStartedBy },
    { ...execution, data: { ...execution.data, flow_revision: '1196' } },
    { ...execution, data: { ...execution.data, date_created: '2025-01-01T00:00:00Z' } },
    { ...execution, data: { ...execution.data, ended_reason: null } }
  ]) assert.equal(validators[ENDED](bad), false, JSON.stringify(bad))
  const step = {
    ...execution,
    type: STEP,
    dataschema: STEP_SCHEMA,
    data: {
      account_sid: execution.data.account_sid,
      flow_sid: execution.data.flow_sid,
      execution_sid: execution.data.execution_sid,
      step_sid: 'FT00000000000000000000000000000001',
      name: 'incomingRequest',
      transitioned_from: 'Trigger',
      transitioned_to: 'Ended',
      date_created: '2025-01-01T00:00:00.000Z'
    }
  }
  assert.ok(validators[STEP](step), ajv.errorsText(validators[STEP].errors))
  assert.equal(validators[STEP]({ ...step, data: { ...step.data, parent_step_sid: null } }), false)
})

test('every event delivered validates against the Studio.FlowExecutionEvent/2 and Studio.FlowStepEvent/1 schemas', async (t) => {
  const s = await sink(t)
  const app = await buildTestApp(t, { raw: { eventsUrl: s.url }, eventRetry: { initialMs: 20, maxMs: 100 } })
  // Ends at once (FLOW_END); waits for a reply and is ended over REST (ENDED_BY_API); runs a subflow (steps with a
  // parent step) and sends a message.
  const endsAtOnce = await publish(app, definitionWith([]), 'ends at once')
  const ask = await publish(app, askDefinition(), 'ask')
  const child = await publish(app, flowOf('Compute', [
    widget('Compute', 'set-variables', { variables: [{ key: 'total', value: '42' }] }, [{ event: 'next' }])
  ]), 'child')
  const parent = await publish(app, flowOf('Sub', [
    widget('Sub', 'run-subflow', { flow_sid: child, flow_revision: 'LatestPublished', parameters: [] }, [{ event: 'completed', next: 'Report' }, { event: 'failed' }]),
    widget('Report', 'send-message', { body: 'total={{widgets.Sub.total}}' }, [{ event: 'sent' }, { event: 'failed' }])
  ]), 'parent')
  const sids = [await start(app, endsAtOnce), await start(app, ask, { To: '+15550001111' }), await start(app, parent)]
  assert.equal((await call(app, 'POST', `/v2/Flows/${ask}/Executions/${sids[1] as string}`, { Status: 'ended' })).status, 200)
  await idle(app)
  await until('every execution ended', () => sids.every(sid => s.delivered().some(e => e.type === ENDED && e.data.execution_sid === sid)))
  await until('no event pending', async () => (await app.inject({ method: 'GET', url: '/__emulator/events' })).json().pending === 0)

  const events = s.delivered()
  for (const e of events) assertValid(e)
  assert.deepEqual(new Set(events.map(e => e.type)), new Set([STARTED, STEP, ENDED]))
  assert.deepEqual(new Set(events.map(e => e.data.account_sid)), new Set([ACCOUNT_A.sid]))
  assert.equal(new Set(events.map(e => e.id)).size, events.length, 'ids are unique')
  for (const e of events.filter(e => e.type === STARTED)) {
    assert.equal(e.data.status, 'active')
    assert.equal('ended_reason' in e.data, false)
  }
  const reasons = Object.fromEntries(events.filter(e => e.type === ENDED).map(e => [e.data.execution_sid, e.data.ended_reason]))
  assert.deepEqual(reasons, { [sids[0] as string]: 'FLOW_END', [sids[1] as string]: 'ENDED_BY_API', [sids[2] as string]: 'FLOW_END' })
  const subflowSteps = events.filter(e => e.type === STEP && e.data.parent_step_sid !== undefined)
  assert.deepEqual(subflowSteps.map(e => e.data.transitioned_from).sort(), ['Compute', 'Trigger'])
  assert.ok(events.filter(e => e.type === STEP && e.data.execution_sid !== sids[2]).every(e => !('parent_step_sid' in e.data)))
})
