// The official twilio npm package, pointed at the emulator over a real socket, as users run it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import twilio from 'twilio'
import { ACCOUNT_A, FLOW, KEY_A, buildTestApp, form, authHeader } from './support/helper.js'

async function listening (t: Parameters<typeof buildTestApp>[0]) {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  return { app, baseUrl: `http://127.0.0.1:${port}` }
}

function clientFor (baseUrl: string, username = ACCOUNT_A.sid, password = ACCOUNT_A.authToken, accountSid?: string) {
  const client = twilio(username, password, accountSid === undefined ? {} : { accountSid })
  client.studio.baseUrl = baseUrl
  return client
}

test('twilio-node creates, fetches, lists, updates and removes executions', async (t) => {
  const { baseUrl } = await listening(t)
  const client = clientFor(baseUrl)
  const flow = client.studio.v1.flows(FLOW)

  const created = await flow.executions.create({ to: '+15551234567', from: '+15557654321', parameters: { name: 'Zeke', n: 3 } })
  assert.match(created.sid, /^FN[0-9a-f]{32}$/)
  assert.equal(created.accountSid, ACCOUNT_A.sid)
  assert.equal(created.status, 'active')
  assert.ok(created.dateCreated instanceof Date && !Number.isNaN(created.dateCreated.getTime()))

  const fetched = await flow.executions(created.sid).fetch()
  assert.equal(fetched.contactChannelAddress, '+15551234567')
  const context = await flow.executions(created.sid).executionContext().fetch()
  assert.deepEqual((context.context as any).flow.data, { name: 'Zeke', n: 3 })
  const steps = await flow.executions(created.sid).steps.list()
  assert.deepEqual(steps, [])

  const listed = await flow.executions.list()
  assert.deepEqual(listed.map(e => e.sid), [created.sid])

  const ended = await flow.executions(created.sid).update({ status: 'ended' })
  assert.equal(ended.status, 'ended')
  await assert.rejects(flow.executions(created.sid).update({ status: 'ended' }), (err: any) => err.status === 409 && err.code === 20409)

  assert.equal(await flow.executions(created.sid).remove(), true)
  await assert.rejects(flow.executions(created.sid).fetch(), (err: any) =>
    err.constructor.name === 'RestException' && err.status === 404 && err.code === 20404 &&
    err.moreInfo === 'https://www.twilio.com/docs/errors/20404')
})

test('twilio-node with an API key acts for the key\'s account; bad credentials raise 20003', async (t) => {
  const { baseUrl } = await listening(t)
  const viaKey = clientFor(baseUrl, KEY_A.sid, KEY_A.secret, ACCOUNT_A.sid)
  const created = await viaKey.studio.v1.flows(FLOW).executions.create({ to: '+1555', from: '+1666' })
  assert.equal(created.accountSid, ACCOUNT_A.sid)
  const wrong = clientFor(baseUrl, ACCOUNT_A.sid, 'wrong-token')
  await assert.rejects(wrong.studio.v1.flows(FLOW).executions.list(), (err: any) => err.status === 401 && err.code === 20003)
})

test('twilio-node auto-pages through 2,500 executions with page sizes 1000 and 50, each seen once', async (t) => {
  const { app, baseUrl } = await listening(t)
  const expected = new Set<string>()
  for (let i = 0; i < 2500; i++) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/Flows/${FLOW}/Executions`,
      headers: { authorization: authHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ To: `+1555${String(i).padStart(7, '0')}`, From: '+15550000000' })
    })
    expected.add(res.json().sid)
  }
  assert.equal(expected.size, 2500)
  const executions = clientFor(baseUrl).studio.v1.flows(FLOW).executions

  for (const pageSize of [1000, 50]) {
    const seen: string[] = []
    await executions.each({ pageSize }, (e) => { seen.push(e.sid) })
    assert.equal(seen.length, 2500, `pageSize ${pageSize}`)
    assert.equal(new Set(seen).size, 2500, `pageSize ${pageSize}: no duplicates`)
    assert.deepEqual(new Set(seen), expected)
  }
  // list({ limit }) sends PageSize=limit: 5000 is served as pages of 1000, never refused.
  const all = await executions.list({ limit: 5000 })
  assert.equal(all.length, 2500)
  const first = await executions.page({ pageSize: 50 })
  assert.equal(first.instances.length, 50)
  const second = await first.nextPage()
  assert.equal(second?.instances.length, 50)
  assert.notEqual(second?.instances[0]?.sid, first.instances[0]?.sid)
})

test('twilio-node creates and publishes a flow, revises it, starts a v2 execution and reads its steps and context', async (t) => {
  const { baseUrl } = await listening(t)
  const client = clientFor(baseUrl)
  const definition = (await import('./support/flows.js')).askDefinition()

  const valid = await client.studio.v2.flowValidate.update({ friendlyName: 'Greeting', status: 'published', definition })
  assert.equal(valid.valid, true)
  await assert.rejects(client.studio.v2.flowValidate.update({ friendlyName: 'x', status: 'published', definition: { states: [] } }),
    (err: any) => err.status === 400 && err.code === 81022 && Array.isArray(err.details?.errors))

  const flow = await client.studio.v2.flows.create({ friendlyName: 'Greeting', status: 'published', definition, commitMessage: 'v1' })
  assert.match(flow.sid, /^FW/)
  assert.equal(flow.revision, 1)
  assert.deepEqual(flow.definition, definition)
  const updated = await client.studio.v2.flows(flow.sid).update({ status: 'published', friendlyName: 'Greeting 2', commitMessage: 'rename' })
  assert.equal(updated.revision, 2)
  const revisions = await client.studio.v2.flows(flow.sid).revisions.list()
  assert.deepEqual(revisions.map(r => r.revision), [2, 1])
  const first = await client.studio.v2.flows(flow.sid).revisions('1').fetch()
  assert.equal(first.friendlyName, 'Greeting')
  const users = await client.studio.v2.flows(flow.sid).testUsers().update({ testUsers: ['+15550001111', '+15550002222'] })
  assert.deepEqual(users.testUsers, ['+15550001111', '+15550002222'])
  assert.equal((await client.studio.v2.flows.list()).length, 1)

  const executions = client.studio.v2.flows(flow.sid).executions
  const execution = await executions.create({ to: '+15551234567', from: '+15557654321', parameters: { name: 'Ana' } })
  assert.equal(execution.flowVersion, 2)
  await assert.rejects(executions.create({ to: '+15551234567', from: '+15557654321' }),
    (err: any) => err.status === 409 && err.code === 20409 && err.details.conflicting_execution_sid === execution.sid)
  await fetch(`${baseUrl}/__emulator/idle`)
  const steps = await executions(execution.sid).steps.list()
  assert.equal(steps.length, 1, 'the execution waits in Ask for a reply')
  assert.equal(steps[0]?.name, 'incomingRequest')
  assert.equal(steps[0]?.transitionedTo, 'Ask')
  const stepContext = await executions(execution.sid).steps(steps[0]?.sid as string).stepContext().fetch()
  assert.deepEqual((stepContext.context as any).flow.data, { name: 'Ana' })
  const context = await executions(execution.sid).executionContext().fetch()
  assert.deepEqual((context.context as any).flow.data, { name: 'Ana' })
  const active = await executions.list({ status: 'active' })
  assert.deepEqual(active.map(e => e.sid), [execution.sid])

  assert.equal(await client.studio.v2.flows(flow.sid).remove(), true)
  await assert.rejects(client.studio.v2.flows(flow.sid).fetch(), (err: any) => err.status === 404)
})

test('twilio-node: authorSid round-trips, and page({ pageNumber }) reads that page', async (t) => {
  const { baseUrl } = await listening(t)
  const client = clientFor(baseUrl)
  const definition = (await import('./support/flows.js')).askDefinition()
  const author = 'US' + '1'.repeat(32)
  const flow = await client.studio.v2.flows.create({ friendlyName: 'Authored', status: 'published', definition, authorSid: author })
  assert.equal(flow.authorSid, author)
  assert.equal((await client.studio.v2.flows(flow.sid).fetch()).authorSid, author)

  const executions = client.studio.v2.flows(flow.sid).executions
  const sids: string[] = []
  for (let i = 0; i < 5; i++) sids.push((await executions.create({ to: `+1555000000${i}`, from: '+15557654321' })).sid)
  const page = await executions.page({ pageNumber: 1, pageSize: 2 })
  assert.equal(page.instances.length, 2)
  const newestFirst = (await executions.list()).map(e => e.sid)
  assert.deepEqual(page.instances.map(e => e.sid), newestFirst.slice(2, 4))
  const next = await page.nextPage()
  assert.deepEqual(next?.instances.map(e => e.sid), newestFirst.slice(4))
})

/** Records the position each list read of `store[name]` was given (the last argument's token), to count reads. */
function readsOf (t: Parameters<typeof buildTestApp>[0], app: { store: any }, name: 'listFlows' | 'listRevisions' | 'listSteps'): unknown[] {
  const original = app.store[name]
  const positions: unknown[] = []
  app.store[name] = (...args: any[]) => { positions.push(args.at(-1).token); return original(...args) }
  t.after(() => { app.store[name] = original })
  return positions
}

test('twilio-node page({ pageNumber }) on the flows list, a flow\'s revisions and an execution\'s steps: that page, reached by offset in two reads', async (t) => {
  const { app, baseUrl } = await listening(t)
  const client = clientFor(baseUrl)
  const { definitionWith } = await import('./support/flows.js')
  // Eleven set-variables widgets in a row: the execution records twelve Steps.
  const chain = definitionWith(Array.from({ length: 11 }, (_, i) => ({
    name: `Set${i}`, type: 'set-variables', properties: { variables: [{ key: `v${i}`, value: String(i) }] }, transitions: [{ event: 'next', ...(i < 10 && { next: `Set${i + 1}` }) }]
  })), 'Set0')
  const flows = []
  for (let i = 0; i < 7; i++) flows.push(await client.studio.v2.flows.create({ friendlyName: `Flow ${i}`, status: 'published', definition: chain }))
  const flow = client.studio.v2.flows(flows[0]?.sid as string)
  for (let i = 2; i <= 8; i++) await flow.update({ status: 'published', commitMessage: `revision ${i}`, definition: { ...chain, description: `revision ${i}` } })
  const execution = await flow.executions.create({ to: '+15551234567', from: '+15557654321' })
  await fetch(`${baseUrl}/__emulator/idle`)

  const flowReads = readsOf(t, app as any, 'listFlows')
  const allFlows = (await client.studio.v2.flows.list()).map(f => f.sid)
  assert.deepEqual(allFlows, flows.map(f => f.sid).reverse())
  flowReads.length = 0
  const flowPage = await client.studio.v2.flows.page({ pageNumber: 2, pageSize: 3 })
  assert.deepEqual(flowPage.instances.map(f => f.sid), allFlows.slice(6))
  // The 6th newest flow (the 2nd created) found at offset 5, then the page read after it.
  assert.deepEqual(flowReads.map((r: any) => [r.direction, r.rows ?? r.key[1]]), [['offset', 5], ['after', 2]])
  assert.equal(flowPage.nextPage(), undefined)
  assert.deepEqual((await flowPage.previousPage())?.instances.map(f => f.sid), allFlows.slice(3, 6))

  const revisionReads = readsOf(t, app as any, 'listRevisions')
  const revisionPage = await flow.revisions.page({ pageNumber: 1, pageSize: 3 })
  assert.deepEqual(revisionPage.instances.map(r => r.revision), [5, 4, 3])
  assert.deepEqual(revisionReads, [{ direction: 'offset', rows: 2 }, { direction: 'after', key: [6] }])
  assert.deepEqual((await revisionPage.nextPage())?.instances.map(r => r.revision), [2, 1])

  const steps = flow.executions(execution.sid).steps
  const allSteps = (await steps.list()).map(s => s.name)
  assert.equal(allSteps.length, 12)
  const stepReads = readsOf(t, app as any, 'listSteps')
  const stepPage = await steps.page({ pageNumber: 2, pageSize: 4 })
  assert.deepEqual(stepPage.instances.map(s => s.name), allSteps.slice(8, 12))
  assert.equal(stepReads.length, 2)
  assert.deepEqual(stepReads[0], { direction: 'offset', rows: 7 })
  assert.equal(stepPage.nextPage(), undefined)
  assert.deepEqual((await stepPage.previousPage())?.instances.map(s => s.name), allSteps.slice(4, 8))
  // Past the last page: no rows.
  assert.deepEqual((await steps.page({ pageNumber: 9, pageSize: 4 })).instances, [])
})

test('twilio-node flows(sid).update({ authorSid, status, commitMessage, definition }) stores the author with the new revision', async (t) => {
  const { baseUrl } = await listening(t)
  const client = clientFor(baseUrl)
  const { askDefinition, greetingDefinition } = await import('./support/flows.js')
  const first = 'US' + 'a'.repeat(32)
  const second = 'US' + 'b'.repeat(32)
  const flow = await client.studio.v2.flows.create({ friendlyName: 'Authored', status: 'draft', definition: greetingDefinition(), authorSid: first })
  const updated = await client.studio.v2.flows(flow.sid).update({ authorSid: second, status: 'published', commitMessage: 'by b', definition: askDefinition() })
  assert.equal(updated.revision, 2)
  assert.equal(updated.authorSid, second)
  assert.equal(updated.commitMessage, 'by b')
  assert.equal(updated.status, 'published')
  assert.deepEqual(updated.definition, askDefinition())
  assert.equal((await client.studio.v2.flows(flow.sid).fetch()).authorSid, second)
  assert.equal((await client.studio.v2.flows.list()).find(f => f.sid === flow.sid)?.authorSid, second)
})
