// End to end: objects printed by Liquid in a flow (Studio's export format, test/fixtures/object-rendering.json)
// come out in the outbox as Studio prints them, `{k=v, …}`; `| to_json` gives JSON.
// The fixture sits outside test/fixtures/flows/: every file there is seeded by the STUDIO_FLOWS_DIR tests, which count them.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { buildTestApp } from '../support/helper.js'
import { outbox, publish, start, stepsOf } from '../support/engine-helper.js'

test('{{flow.data}} and {{flow.data.order}} print in the Java-map form, {{flow.data | to_json}} as JSON', async (t) => {
  const app = await buildTestApp(t)
  const definition = JSON.parse(readFileSync(new URL('../fixtures/object-rendering.json', import.meta.url), 'utf8'))
  const flow = await publish(app, definition, 'object rendering')
  const parameters = { name: 'Zeke', order: { id: 7, items: ['a', 'b'] } }
  const execution = await start(app, flow, { To: '+15551230001', From: '+15559870000', Parameters: JSON.stringify(parameters) })

  const sent = await outbox(app, `execution=${execution}`)
  assert.deepEqual(sent.map((m: any) => [m.kind, m.widget, m.to, m.from, m.body]), [
    ['message', 'Everything', '+15551230001', '+15559870000', '{name=Zeke, order={id=7, items=[a, b]}}'],
    ['message', 'Order', '+15551230001', '+15559870000', 'Order: {id=7, items=[a, b]}'],
    ['message', 'Json', '+15551230001', '+15559870000', '{"name":"Zeke","order":{"id":7,"items":["a","b"]}}']
  ])
  assert.deepEqual(JSON.parse(sent[2].body), parameters)
  assert.deepEqual((await stepsOf(app, flow, execution)).map(([from, event, to]) => [from, event, to]), [
    ['Trigger', 'incomingRequest', 'Everything'],
    ['Everything', 'sent', 'Order'],
    ['Order', 'sent', 'Json'],
    ['Json', 'sent', 'Ended']
  ])
})
