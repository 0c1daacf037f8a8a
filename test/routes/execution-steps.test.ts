import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FLOW, assertTwilioError, buildTestApp, call, createExecution } from '../support/helper.js'
import { definitionWith } from '../support/flows.js'
import { assertMatchesSpec } from '../support/spec.js'

test('every link of an execution resolves: Steps lists (empty until a flow runs), Context fetches', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const steps = await call(app, 'GET', new URL(created.body.links.steps).pathname)
  assert.equal(steps.status, 200)
  assertMatchesSpec('v1', 'ListExecutionStep', 200, steps.body)
  assert.equal(steps.body.meta.key, 'steps')
  assert.equal(steps.body.meta.url, `${created.body.links.steps}?PageSize=50&Page=0`)
  const ctx = await call(app, 'GET', new URL(created.body.links.execution_context).pathname)
  assert.equal(ctx.status, 200)
})

test('a step that does not exist is 404, and so is its context', async (t) => {
  const app = await buildTestApp(t)
  const created = await createExecution(app)
  const base = `/v1/Flows/${FLOW}/Executions/${created.body.sid}/Steps`
  const step = 'FT00000000000000000000000000000000'
  assertTwilioError(await call(app, 'GET', `${base}/${step}`), 404, 20404, `The requested resource /v1/Flows/${FLOW}/Executions/${created.body.sid}/Steps/${step} was not found`)
  assertTwilioError(await call(app, 'GET', `${base}/${step}/Context`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${base}/FTnope`), 404, 20404)
  assertTwilioError(await call(app, 'GET', `${base}?PageSize=0`), 400, 20001)
  assertTwilioError(await call(app, 'GET', `${base}?PageToken=bogus`), 400, 20001)
})

test('Steps: Page=n without a PageToken answers what walking next_page_url n times answers, by offset in two reads', async (t) => {
  const app = await buildTestApp(t)
  // Twenty-nine set-variables widgets in a row: the execution records thirty Steps.
  const definition = definitionWith(Array.from({ length: 29 }, (_, i) => ({
    name: `Set${i}`, type: 'set-variables', properties: { variables: [{ key: `v${i}`, value: String(i) }] }, transitions: [{ event: 'next', ...(i < 28 && { next: `Set${i + 1}` }) }]
  })), 'Set0')
  const flow = (await call(app, 'POST', '/v2/Flows', { FriendlyName: 'chain', Status: 'published', Definition: JSON.stringify(definition) })).body.sid as string
  const execution = (await createExecution(app, {}, { flow, version: 'v2' })).body.sid as string
  await app.inject({ method: 'GET', url: '/__emulator/idle' })
  const path = `/v2/Flows/${flow}/Executions/${execution}/Steps`
  const store = (app as any).store
  const listSteps = store.listSteps
  const reads: unknown[] = []
  store.listSteps = (...args: any[]) => { reads.push(args.at(-1).token); return listSteps(...args) }
  t.after(() => { store.listSteps = listSteps })

  for (const pageSize of [1, 4, 30]) {
    const walked: any[] = []
    let url: string | null = `${path}?PageSize=${pageSize}`
    while (url !== null) {
      const u: URL = new URL(url, 'http://localhost')
      walked.push((await call(app, 'GET', u.pathname + u.search)).body)
      url = walked.at(-1).meta.next_page_url
    }
    assert.equal(walked.flatMap(p => p.steps).length, 30)
    for (const n of [1, 2, Math.floor(29 / pageSize), walked.length - 1, walked.length, walked.length + 7]) {
      if (n < 1) continue
      reads.length = 0
      const res = await call(app, 'GET', `${path}?PageSize=${pageSize}&Page=${n}`)
      assert.equal(res.status, 200)
      assertMatchesSpec('v2', 'ListExecutionStep', 200, res.body)
      if (n < walked.length) assert.deepEqual(res.body, walked[n], `PageSize=${pageSize} Page=${n}`)
      else {
        assert.deepEqual(res.body.steps, [])
        assert.equal(res.body.meta.next_page_url, null)
        assert.equal(new URL(res.body.meta.url).searchParams.get('PageToken'), new URL(walked.at(-1).meta.url).searchParams.get('PageToken'))
      }
      assert.ok(reads.length <= 2, `${reads.length} reads for PageSize=${pageSize} Page=${n}`)
      assert.deepEqual(reads[0], { direction: 'offset', rows: n * pageSize - 1 })
    }
  }
})
