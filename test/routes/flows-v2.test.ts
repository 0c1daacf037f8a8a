import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ACCOUNT_A, ACCOUNT_B, assertTwilioError, buildTestApp, call } from '../support/helper.js'
import { greetingDefinition } from '../support/flows.js'
import { assertExactFields, assertMatchesSpec } from '../support/spec.js'

async function createFlow (app: Parameters<typeof call>[0], fields: Record<string, string> = {}, who = ACCOUNT_A) {
  return await call(app, 'POST', '/v2/Flows', {
    FriendlyName: 'Greeting', Status: 'published', Definition: JSON.stringify(greetingDefinition()), CommitMessage: 'first', ...fields
  }, who)
}

test('creating a flow answers 201 with revision 1, the parsed definition and Studio\'s links', async (t) => {
  const app = await buildTestApp(t)
  const res = await createFlow(app)
  assert.equal(res.status, 201)
  assertMatchesSpec('v2', 'CreateFlow', 201, res.body)
  assertExactFields('v2', 'studio.v2.flow', res.body)
  const f = res.body
  assert.match(f.sid, /^FW[0-9a-f]{32}$/)
  assert.equal(f.account_sid, ACCOUNT_A.sid)
  assert.equal(f.friendly_name, 'Greeting')
  assert.equal(f.status, 'published')
  assert.equal(f.revision, 1)
  assert.equal(f.commit_message, 'first')
  assert.deepEqual(f.definition, greetingDefinition())
  assert.equal(f.valid, true)
  assert.deepEqual(f.errors, [])
  assert.deepEqual(f.warnings, [])
  assert.equal(f.date_updated, null)
  assert.equal(f.url, `http://localhost:80/v2/Flows/${f.sid}`)
  assert.equal(f.webhook_url, `http://localhost:80/v1/Accounts/${ACCOUNT_A.sid}/Flows/${f.sid}`)
  assert.deepEqual(f.links, { test_users: `${f.url}/TestUsers`, revisions: `${f.url}/Revisions`, executions: `${f.url}/Executions` })
  const fetched = await call(app, 'GET', `/v2/Flows/${f.sid}`)
  assertMatchesSpec('v2', 'FetchFlow', 200, fetched.body)
  assert.deepEqual(fetched.body, f)
})

test('create checks every required parameter with 20001 and the Status enum', async (t) => {
  const app = await buildTestApp(t)
  const def = JSON.stringify(greetingDefinition())
  for (const [body, name] of [
    [{ Status: 'draft', Definition: def }, 'FriendlyName'],
    [{ FriendlyName: 'x', Definition: def }, 'Status'],
    [{ FriendlyName: 'x', Status: 'draft' }, 'Definition']
  ] as const) {
    assertTwilioError(await call(app, 'POST', '/v2/Flows', body), 400, 20001, `Missing required parameter ${name} in the post body`)
  }
  assertTwilioError(await createFlow(app, { Status: 'live' }), 400, 20001, /Status/)
  assertTwilioError(await createFlow(app, { Definition: '{nope' }), 400, 20001, /Definition/)
  assertTwilioError(await createFlow(app, { Definition: '[]' }), 400, 20001, /Definition/)
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 0)
})

test('an invalid definition may be saved as a draft, listing its errors, but never published', async (t) => {
  const app = await buildTestApp(t)
  const bad = greetingDefinition()
  bad.states[0].transitions[3].next = 'Nowhere'
  bad.states.push({ name: 'Greet', type: 'send-message', properties: { body: 'again' }, transitions: [] })
  bad.states.push({ name: 'Odd', type: 'not-a-widget', transitions: [] })
  bad.initial_state = 'Missing'

  const published = await createFlow(app, { Definition: JSON.stringify(bad) })
  assertTwilioError(published, 400, 81022, 'Invalid Flow Definition')
  const paths = published.body.details.errors.map((e: any) => e.property_path).sort()
  assert.deepEqual(paths, ['#/initial_state', '#/states/0/transitions/3/next', '#/states/2/name', '#/states/3/type'])
  for (const e of published.body.details.errors) assert.equal(typeof e.message, 'string')

  const draft = await createFlow(app, { Status: 'draft', Definition: JSON.stringify(bad) })
  assert.equal(draft.status, 201)
  assert.equal(draft.body.valid, false)
  assert.equal(draft.body.errors.length, 4)
  assertMatchesSpec('v2', 'CreateFlow', 201, draft.body)
  // Publishing it as it is is refused; fixing it publishes revision 2.
  assertTwilioError(await call(app, 'POST', `/v2/Flows/${draft.body.sid}`, { Status: 'published' }), 400, 81022, 'Invalid Flow Definition')
  const fixed = await call(app, 'POST', `/v2/Flows/${draft.body.sid}`, { Status: 'published', Definition: JSON.stringify(greetingDefinition()) })
  assert.equal(fixed.status, 200)
  assert.equal(fixed.body.revision, 2)
  assert.equal(fixed.body.valid, true)
})

test('definition checks: a trigger is required and only one, states must be a non-empty array, flags need allow_concurrent_calls', async (t) => {
  const app = await buildTestApp(t)
  const cases: Array<[(d: any) => void, string]> = [
    [d => { d.states = d.states.slice(1) }, '#/states'],
    [d => { d.states.push({ ...d.states[0], name: 'Trigger2' }) }, '#/states'],
    [d => { d.states = [] }, '#/states'],
    [d => { delete d.initial_state }, '#/initial_state'],
    [d => { d.flags = {} }, '#/flags/allow_concurrent_calls'],
    [d => { d.states[1].transitions = 'x' }, '#/states/1/transitions'],
    [d => { delete d.states[1].type }, '#/states/1/type']
  ]
  for (const [mutate, path] of cases) {
    const d = greetingDefinition()
    mutate(d)
    const res = await call(app, 'POST', '/v2/Flows/Validate', { FriendlyName: 'x', Status: 'published', Definition: JSON.stringify(d) })
    assertTwilioError(res, 400, 81022, 'Invalid Flow Definition')
    assert.ok(res.body.details.errors.some((e: any) => e.property_path === path), `${path} in ${JSON.stringify(res.body.details.errors)}`)
  }
})

test('Validate answers {"valid": true} for a valid definition and stores nothing', async (t) => {
  const app = await buildTestApp(t)
  const res = await call(app, 'POST', '/v2/Flows/Validate', { FriendlyName: 'x', Status: 'draft', Definition: JSON.stringify(greetingDefinition()) })
  assert.equal(res.status, 200)
  assertMatchesSpec('v2', 'UpdateFlowValidate', 200, res.body)
  assert.deepEqual(res.body, { valid: true })
  assert.equal((await call(app, 'GET', '/v2/Flows')).body.flows.length, 0)
  assertTwilioError(await call(app, 'POST', '/v2/Flows/Validate', { FriendlyName: 'x', Status: 'draft' }), 400, 20001, 'Missing required parameter Definition in the post body')
  assertTwilioError(await call(app, 'GET', '/v2/Flows/Validate'), 405, 20004)
})

test('update makes a new revision only when something changed, and Revisions list and fetch them', async (t) => {
  let now = Date.parse('2024-06-01T00:00:00Z')
  const app = await buildTestApp(t, { clock: { now: () => now } })
  const created = (await createFlow(app)).body
  const url = `/v2/Flows/${created.sid}`
  now += 60_000
  const same = await call(app, 'POST', url, { Status: 'published' })
  assert.equal(same.status, 200)
  assertMatchesSpec('v2', 'UpdateFlow', 200, same.body)
  assert.equal(same.body.revision, 1, 'nothing changed: no new revision')
  assert.equal(same.body.date_updated, null)

  const renamed = await call(app, 'POST', url, { Status: 'published', FriendlyName: 'Hello', CommitMessage: 'rename' })
  assert.equal(renamed.body.revision, 2)
  assert.equal(renamed.body.friendly_name, 'Hello')
  assert.equal(renamed.body.commit_message, 'rename')
  assert.equal(renamed.body.date_updated, '2024-06-01T00:01:00Z')
  const changed = greetingDefinition()
  changed.states[1].properties.body = 'Bye'
  const draft = await call(app, 'POST', url, { Status: 'draft', Definition: JSON.stringify(changed) })
  assert.equal(draft.body.revision, 3)
  assert.equal(draft.body.status, 'draft')
  assert.equal(draft.body.definition.states[1].properties.body, 'Bye')
  // Key order does not make a change.
  const reordered = Object.fromEntries(Object.entries(changed).reverse())
  assert.equal((await call(app, 'POST', url, { Status: 'draft', Definition: JSON.stringify(reordered) })).body.revision, 3)

  const list = await call(app, 'GET', `${url}/Revisions`)
  assert.equal(list.status, 200)
  assertMatchesSpec('v2', 'ListFlowRevision', 200, list.body)
  assert.deepEqual(list.body.revisions.map((r: any) => [r.revision, r.status]), [[3, 'draft'], [2, 'published'], [1, 'published']])
  assert.equal(list.body.meta.key, 'revisions')
  const paged = await call(app, 'GET', `${url}/Revisions?PageSize=2`)
  const next = new URL(paged.body.meta.next_page_url)
  assert.deepEqual((await call(app, 'GET', next.pathname + next.search)).body.revisions.map((r: any) => r.revision), [1])

  for (const [which, revision] of [['1', 1], ['2', 2], ['LatestRevision', 3], ['LatestPublished', 2]] as const) {
    const r = await call(app, 'GET', `${url}/Revisions/${which}`)
    assert.equal(r.status, 200)
    assertMatchesSpec('v2', 'FetchFlowRevision', 200, r.body)
    assertExactFields('v2', 'studio.v2.flow.flow_revision', r.body)
    assert.equal(r.body.revision, revision)
    assert.equal(r.body.url, `http://localhost:80${url}/Revisions/${revision}`)
  }
  assert.equal((await call(app, 'GET', `${url}/Revisions/1`)).body.definition.states[1].properties.body, 'Hello {{flow.data.name}}')
  for (const bad of ['4', '0', 'Latest', '-1', '1.5']) assertTwilioError(await call(app, 'GET', `${url}/Revisions/${bad}`), 404, 20404)
})

test('flows list newest first with definitions left out, and belong to their account', async (t) => {
  let now = Date.parse('2024-06-01T00:00:00Z')
  const app = await buildTestApp(t, { clock: { now: () => now++ } })
  const a1 = (await createFlow(app, { FriendlyName: 'one' })).body
  const a2 = (await createFlow(app, { FriendlyName: 'two' })).body
  const b1 = (await createFlow(app, { FriendlyName: 'theirs' }, ACCOUNT_B)).body
  const list = await call(app, 'GET', '/v2/Flows')
  assert.equal(list.status, 200)
  assertMatchesSpec('v2', 'ListFlow', 200, list.body)
  assert.deepEqual(list.body.flows.map((f: any) => f.sid), [a2.sid, a1.sid])
  for (const f of list.body.flows) {
    assert.equal(f.definition, null)
    assert.equal(f.valid, null)
  }
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${b1.sid}`), 404, 20404)
  assertTwilioError(await call(app, 'POST', `/v2/Flows/${b1.sid}`, { Status: 'draft' }), 404, 20404)
  assertTwilioError(await call(app, 'DELETE', `/v2/Flows/${b1.sid}`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${b1.sid}/Revisions`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${b1.sid}/TestUsers`), 404, 20404)
  assert.equal((await call(app, 'GET', `/v2/Flows/${b1.sid}`, undefined, ACCOUNT_B)).status, 200)
})

test('deleting a flow answers 204 and removes its executions', async (t) => {
  const app = await buildTestApp(t)
  const flow = (await createFlow(app)).body
  const execution = await call(app, 'POST', `/v2/Flows/${flow.sid}/Executions`, { To: '+1555', From: '+1666' })
  assert.equal(execution.status, 201)
  const res = await call(app, 'DELETE', `/v2/Flows/${flow.sid}`)
  assert.equal(res.status, 204)
  assert.equal(res.raw.body, '')
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${flow.sid}`), 404, 20404, `The requested resource /v2/Flows/${flow.sid} was not found`)
  assertTwilioError(await call(app, 'GET', `/v2/Flows/${flow.sid}/Executions/${execution.body.sid}`), 404, 20404)
  assertTwilioError(await call(app, 'DELETE', `/v2/Flows/${flow.sid}`), 404, 20404)
})

test('TestUsers: fetch the list, replace it with repeated TestUsers fields', async (t) => {
  const app = await buildTestApp(t)
  const flow = (await createFlow(app)).body
  const url = `/v2/Flows/${flow.sid}/TestUsers`
  const empty = await call(app, 'GET', url)
  assertMatchesSpec('v2', 'FetchTestUser', 200, empty.body)
  assert.deepEqual(empty.body, { sid: flow.sid, test_users: [], url: `http://localhost:80${url}` })
  const set = await call(app, 'POST', url, { TestUsers: ['+15551110000', 'client:alice', '+15551110000'] })
  assert.equal(set.status, 200)
  assertMatchesSpec('v2', 'UpdateTestUser', 200, set.body)
  assert.deepEqual(set.body.test_users, ['+15551110000', 'client:alice'])
  const single = await call(app, 'POST', url, { TestUsers: '+15552220000' })
  assert.deepEqual(single.body.test_users, ['+15552220000'])
  assert.deepEqual((await call(app, 'GET', url)).body.test_users, ['+15552220000'])
  assertTwilioError(await call(app, 'POST', url, {}), 400, 20001, 'Missing required parameter TestUsers in the post body')
})

/** Every page of the list at `path` with this PageSize, walked along next_page_url from Page=0. */
async function walkedPages (app: Parameters<typeof call>[0], path: string, pageSize: number): Promise<any[]> {
  const pages: any[] = []
  let url: string | null = `${path}?PageSize=${pageSize}`
  while (url !== null) {
    const u: URL = new URL(url, 'http://localhost')
    const res = await call(app, 'GET', u.pathname + u.search)
    assert.equal(res.status, 200)
    pages.push(res.body)
    url = res.body.meta.next_page_url
  }
  return pages
}

test('flows and revisions: Page=n without a PageToken answers what walking next_page_url n times answers, by offset in two reads', async (t) => {
  let now = Date.parse('2024-06-01T00:00:00Z')
  // Flows created two per millisecond: pages cross the order's tie-break (the flow's id).
  const app = await buildTestApp(t, { clock: { now: () => Math.floor(now++ / 2) } })
  for (let i = 0; i < 23; i++) await createFlow(app, { FriendlyName: `flow ${i}` })
  await createFlow(app, { FriendlyName: 'theirs' }, ACCOUNT_B)
  const revised = (await createFlow(app, { FriendlyName: 'revised' })).body.sid as string
  for (let i = 2; i <= 17; i++) assert.equal((await call(app, 'POST', `/v2/Flows/${revised}`, { Status: 'published', FriendlyName: `revised ${i}`, CommitMessage: `r${i}` })).status, 200)
  const store = (app as any).store
  const reads: unknown[] = []
  for (const name of ['listFlows', 'listRevisions']) {
    const original = store[name]
    store[name] = (...args: any[]) => { reads.push(args.at(-1).token); return original(...args) }
    t.after(() => { store[name] = original })
  }
  for (const [path, pageSize, numbers] of [['/v2/Flows', 2, [1, 7, 11, 12, 13, 50]], ['/v1/Flows', 5, [3, 4, 5]], [`/v2/Flows/${revised}/Revisions`, 3, [1, 4, 5, 6, 99]]] as const) {
    const walked = await walkedPages(app, path, pageSize)
    assert.equal(walked.flatMap(p => p.flows ?? p.revisions).length, path.endsWith('Revisions') ? 17 : 24)
    for (const n of numbers) {
      reads.length = 0
      const res = await call(app, 'GET', `${path}?PageSize=${pageSize}&Page=${n}`)
      assert.equal(res.status, 200)
      if (n < walked.length) assert.deepEqual(res.body, walked[n], `${path} Page=${n}`)
      else {
        // Past the end: no rows, positioned where the walk stopped.
        const key = path.endsWith('Revisions') ? 'revisions' : 'flows'
        assert.deepEqual(res.body[key], [])
        assert.equal(res.body.meta.next_page_url, null)
        assert.equal(new URL(res.body.meta.url).searchParams.get('PageToken'), new URL(walked.at(-1).meta.url).searchParams.get('PageToken'))
      }
      assert.ok(reads.length <= 2, `${reads.length} reads for ${path} Page=${n}`)
      assert.deepEqual(reads[0], { direction: 'offset', rows: n * pageSize - 1 })
    }
  }
})
