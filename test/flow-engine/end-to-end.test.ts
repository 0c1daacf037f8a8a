// The end-to-end flow: Trigger → set-variables → make-http-request → split-based-on →
// send-and-wait-for-reply → send-message, started with twilio-node's v2 executions.create, the reply posted to
// the flow's webhook, then Steps and Context read back over the REST API.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { test } from 'node:test'
import twilio from 'twilio'
import { ACCOUNT_A, buildTestApp } from '../support/helper.js'
import { flowOf, widget } from '../support/engine-helper.js'

test('a published flow runs end to end from twilio-node, through an inbound reply, with Studio\'s Steps and Context', async (t) => {
  const api = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += String(c) })
    req.on('end', () => {
      const form = new URLSearchParams(body)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ tier: form.get('customer') === 'Ana' ? 'gold' : 'basic', received: Object.fromEntries(form) }))
    })
  })
  await new Promise<void>(resolve => api.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => api.close(() => resolve())))
  const apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}/customers`

  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const client = twilio(ACCOUNT_A.sid, ACCOUNT_A.authToken)
  client.studio.baseUrl = baseUrl

  const definition = flowOf('Vars', [
    widget('Vars', 'set-variables', { variables: [{ key: 'customer', value: '{{flow.data.name}}' }, { key: 'attempts', value: '1' }] }, [{ event: 'next', next: 'Lookup' }]),
    widget('Lookup', 'make-http-request', { method: 'POST', content_type: 'application/x-www-form-urlencoded;charset=utf-8', url: apiUrl, parameters: [{ key: 'customer', value: '{{flow.variables.customer}}' }] },
      [{ event: 'success', next: 'Tier' }, { event: 'failed' }]),
    widget('Tier', 'split-based-on', { input: '{{widgets.Lookup.parsed.tier}}' }, [
      { event: 'noMatch' },
      { event: 'match', next: 'Ask', conditions: [{ friendly_name: 'gold', arguments: ['{{widgets.Lookup.parsed.tier}}'], type: 'equal_to', value: 'gold' }] }
    ]),
    widget('Ask', 'send-and-wait-for-reply', { body: 'Hi {{flow.variables.customer}}, gold member! Reply with a word.', from: '{{flow.channel.address}}', timeout: '3600' },
      [{ event: 'incomingMessage', next: 'Confirm' }, { event: 'timeout' }, { event: 'deliveryFailure' }]),
    widget('Confirm', 'send-message', { body: 'You said {{widgets.Ask.inbound.Body}}', to: '{{contact.channel.address}}', from: '{{flow.channel.address}}' },
      [{ event: 'sent' }, { event: 'failed' }])
  ])
  const flow = await client.studio.v2.flows.create({ friendlyName: 'End to end', status: 'published', definition })
  const execution = await client.studio.v2.flows(flow.sid).executions.create({ to: '+15551230001', from: '+15559870000', parameters: { name: 'Ana' } })
  assert.equal(execution.status, 'active')
  await fetch(`${baseUrl}/__emulator/idle`)

  // Waiting in Ask: the question was sent.
  const sent = (await (await fetch(`${baseUrl}/__emulator/outbox?execution=${execution.sid}`)).json() as any).messages
  assert.deepEqual(sent.map((m: any) => [m.kind, m.widget, m.to, m.from, m.body]), [
    ['http', 'Lookup', apiUrl, null, 'customer=Ana'],
    ['message', 'Ask', '+15551230001', '+15559870000', 'Hi Ana, gold member! Reply with a word.']
  ])

  // The contact replies through the flow's webhook_url.
  const reply = await fetch(flow.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ From: '+15551230001', To: '+15559870000', Body: 'Bonjour' }) })
  assert.equal(reply.status, 200)
  assert.match(await reply.text(), /<Response\/>/)
  await fetch(`${baseUrl}/__emulator/idle`)

  const ended = await client.studio.v2.flows(flow.sid).executions(execution.sid).fetch()
  assert.equal(ended.status, 'ended')
  const steps = await client.studio.v2.flows(flow.sid).executions(execution.sid).steps.list()
  assert.deepEqual(steps.reverse().map(s => [s.transitionedFrom, s.name, s.transitionedTo, s.type]), [
    ['Trigger', 'incomingRequest', 'Vars', 'trigger'],
    ['Vars', 'next', 'Lookup', 'set-variables'],
    ['Lookup', 'success', 'Tier', 'make-http-request'],
    ['Tier', 'match', 'Ask', 'split-based-on'],
    ['Ask', 'incomingMessage', 'Confirm', 'send-and-wait-for-reply'],
    ['Confirm', 'sent', 'Ended', 'send-message']
  ])
  for (const s of steps) assert.equal(s.parentStepSid, null)

  const context = (await client.studio.v2.flows(flow.sid).executions(execution.sid).executionContext().fetch()).context as any
  assert.deepEqual(context.flow.data, { name: 'Ana' })
  assert.deepEqual(context.flow.variables, { customer: 'Ana', attempts: 1 })
  assert.equal(context.flow.flow_sid, flow.sid)
  assert.equal(context.flow.sid, execution.sid)
  assert.equal(context.contact.channel.address, '+15551230001')
  assert.equal(context.widgets.Lookup.status_code, 200)
  assert.deepEqual(context.widgets.Lookup.parsed, { tier: 'gold', received: { customer: 'Ana' } })
  assert.equal(context.widgets.Ask.outbound.Body, 'Hi Ana, gold member! Reply with a word.')
  assert.match(context.widgets.Ask.outbound.Sid, /^SM[0-9a-f]{32}$/)
  assert.equal(context.widgets.Ask.inbound.Body, 'Bonjour')
  assert.equal(context.widgets.Ask.inbound.From, '+15551230001')
  assert.match(context.widgets.Ask.inbound.MessageSid, /^SM[0-9a-f]{32}$/)
  assert.equal(context.widgets.Confirm.outbound.Body, 'You said Bonjour')
  assert.deepEqual(context.trigger.request.parameters, { name: 'Ana' })

  // Each step's context is the execution's context as of that step.
  const lookupStep = steps.find(s => s.transitionedFrom === 'Lookup')
  const lookupContext = (await client.studio.v2.flows(flow.sid).executions(execution.sid).steps(lookupStep?.sid as string).stepContext().fetch()).context as any
  assert.equal(lookupContext.widgets.Lookup.status_code, 200)
  assert.equal(lookupContext.widgets.Ask, undefined)
})
