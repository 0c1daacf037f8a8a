import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { FLOW, assertTwilioError, authHeader, buildTestApp, call, createExecution } from '../support/helper.js'
import { assertMatchesSpec } from '../support/spec.js'

const EXECUTIONS = `/v1/Flows/${FLOW}/Executions`
const T0 = Date.parse('2024-05-01T12:00:00Z')

/** An app whose clock the test moves, and a helper that creates one execution per call with a distinct To. */
async function appWithClock (t: Parameters<typeof buildTestApp>[0]) {
  const clock = { t: T0, now () { return this.t } }
  const app = await buildTestApp(t, { clock })
  let n = 0
  const create = async (advanceMs = 1000) => {
    clock.t += advanceMs
    const res = await createExecution(app, { To: `+1555${String(n++).padStart(7, '0')}` })
    assert.equal(res.status, 200)
    return res.body
  }
  return { app, clock, create }
}

async function getList (app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url, headers: { authorization: authHeader(), ...headers } })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

/** Follows next_page_url to the end; returns every sid seen, in order. */
async function walk (app: FastifyInstance, firstUrl: string, onPage?: () => Promise<void>) {
  const sids: string[] = []
  let url: string | null = firstUrl
  let pages = 0
  while (url !== null) {
    const u = new URL(url, 'http://localhost')
    const res = await getList(app, u.pathname + u.search)
    assert.equal(res.status, 200)
    assertMatchesSpec('v1', 'ListExecution', 200, res.body)
    sids.push(...res.body.executions.map((e: any) => e.sid))
    url = res.body.meta.next_page_url
    pages++
    if (onPage !== undefined) await onPage()
  }
  return { sids, pages }
}

test('an empty list has Twilio\'s meta block', async (t) => {
  const app = await buildTestApp(t)
  const res = await getList(app, EXECUTIONS)
  assert.equal(res.status, 200)
  assertMatchesSpec('v1', 'ListExecution', 200, res.body)
  assert.deepEqual(res.body, {
    executions: [],
    meta: {
      page: 0,
      page_size: 50,
      first_page_url: `http://localhost:80${EXECUTIONS}?PageSize=50&Page=0`,
      previous_page_url: null,
      next_page_url: null,
      url: `http://localhost:80${EXECUTIONS}?PageSize=50&Page=0`,
      key: 'executions'
    }
  })
})

test('executions list newest first', async (t) => {
  const { app, create } = await appWithClock(t)
  const created = []
  for (let i = 0; i < 5; i++) created.push(await create())
  const res = await getList(app, EXECUTIONS)
  assert.deepEqual(res.body.executions.map((e: any) => e.sid), created.map(e => e.sid).reverse())
})

test('executions created within the same second still list newest first', async (t) => {
  const { app, create } = await appWithClock(t)
  const created = []
  for (let i = 0; i < 5; i++) created.push(await create(1))
  const res = await getList(app, EXECUTIONS)
  assert.deepEqual(res.body.executions.map((e: any) => e.sid), created.map(e => e.sid).reverse())
  assert.equal(new Set(res.body.executions.map((e: any) => e.date_created)).size, 1)
})

test('PageSize: default 50, above 1000 served as 1000, below 1 or not a number refused with 400', async (t) => {
  const app = await buildTestApp(t)
  assert.equal((await getList(app, `${EXECUTIONS}?PageSize=5000`)).body.meta.page_size, 1000)
  assert.equal((await getList(app, `${EXECUTIONS}?PageSize=1000`)).body.meta.page_size, 1000)
  assert.equal((await getList(app, `${EXECUTIONS}?PageSize=7`)).body.meta.page_size, 7)
  for (const bad of ['0', '-1', 'abc', '1.5', '']) {
    const res = await getList(app, `${EXECUTIONS}?PageSize=${bad}`)
    if (bad === '') { assert.equal(res.body.meta.page_size, 50); continue }
    assertTwilioError(res, 400, 20001, /PageSize/)
  }
  assertTwilioError(await getList(app, `${EXECUTIONS}?Page=-1`), 400, 20001, /Page/)
  assert.equal((await getList(app, `${EXECUTIONS}?Page=0`)).status, 200)
})

test('paging with next_page_url and previous_page_url visits every execution once', async (t) => {
  const { app, create } = await appWithClock(t)
  const created = []
  for (let i = 0; i < 23; i++) created.push(await create(i % 3 === 0 ? 0 : 700))
  const expected = created.map(e => e.sid).reverse()
  const { sids, pages } = await walk(app, `${EXECUTIONS}?PageSize=5`)
  assert.deepEqual(sids, expected)
  assert.equal(pages, 5)

  // Walk back from the last page with previous_page_url.
  let res = await getList(app, `${EXECUTIONS}?PageSize=5`)
  const forward = [res.body]
  while (res.body.meta.next_page_url !== null) {
    res = await getList(app, new URL(res.body.meta.next_page_url).pathname + new URL(res.body.meta.next_page_url).search)
    forward.push(res.body)
  }
  assert.equal(res.body.meta.page, 4)
  const backward = []
  while (res.body.meta.previous_page_url !== null) {
    const u = new URL(res.body.meta.previous_page_url)
    res = await getList(app, u.pathname + u.search)
    backward.push(res.body)
  }
  assert.deepEqual(backward.map(p => p.meta.page), [3, 2, 1, 0])
  assert.deepEqual(backward.map(p => p.executions.map((e: any) => e.sid)), forward.slice(0, 4).reverse().map(p => p.executions.map((e: any) => e.sid)))
})

test('paging stays exact while new executions arrive between pages', async (t) => {
  const { app, create } = await appWithClock(t)
  const before = []
  for (let i = 0; i < 120; i++) before.push(await create(i % 2 === 0 ? 0 : 10))
  const arrived: string[] = []
  const { sids } = await walk(app, `${EXECUTIONS}?PageSize=7`, async () => {
    arrived.push((await create(5)).sid, (await create(0)).sid)
  })
  assert.equal(new Set(sids).size, sids.length, 'no execution twice')
  assert.deepEqual(sids, before.map(e => e.sid).reverse(), 'every execution that existed when paging began, in order, and none that arrived later')
})

test('DateCreatedFrom is inclusive and DateCreatedTo exclusive, offsets accepted, and page URLs carry them', async (t) => {
  const { app, clock, create } = await appWithClock(t)
  clock.t = Date.parse('2024-05-01T11:59:59Z')
  const e0 = await create(0) // 11:59:59
  clock.t = Date.parse('2024-05-01T12:00:00.250Z')
  const e1 = await create(0) // 12:00:00
  clock.t = Date.parse('2024-05-01T12:30:00Z')
  const e2 = await create(0)
  clock.t = Date.parse('2024-05-01T13:00:00Z')
  const e3 = await create(0) // 13:00:00, excluded by To=13:00:00
  const sidsOf = (r: any) => r.body.executions.map((e: any) => e.sid)

  let res = await getList(app, `${EXECUTIONS}?DateCreatedFrom=2024-05-01T12:00:00Z&DateCreatedTo=2024-05-01T13:00:00Z`)
  assert.deepEqual(sidsOf(res), [e2.sid, e1.sid])
  // The same instants written with an offset.
  const from = encodeURIComponent('2024-05-01T05:00:00-07:00')
  const to = encodeURIComponent('2024-05-01T15:00:00+02:00')
  res = await getList(app, `${EXECUTIONS}?DateCreatedFrom=${from}&DateCreatedTo=${to}`)
  assert.deepEqual(sidsOf(res), [e2.sid, e1.sid])
  res = await getList(app, `${EXECUTIONS}?DateCreatedFrom=2024-05-01T13:00:00Z`)
  assert.deepEqual(sidsOf(res), [e3.sid])
  res = await getList(app, `${EXECUTIONS}?DateCreatedTo=2024-05-01T12:00:00Z`)
  assert.deepEqual(sidsOf(res), [e0.sid])
  res = await getList(app, `${EXECUTIONS}?DateCreatedFrom=2024-05-01`)
  assert.equal(res.body.executions.length, 4)

  res = await getList(app, `${EXECUTIONS}?DateCreatedFrom=2024-05-01T12:00:00Z&PageSize=1`)
  assert.match(res.body.meta.url, /\?DateCreatedFrom=2024-05-01T12%3A00%3A00Z&PageSize=1&Page=0$/)
  assert.match(res.body.meta.first_page_url, /DateCreatedFrom=2024-05-01T12%3A00%3A00Z/)
  const { sids } = await walk(app, new URL(res.body.meta.url).pathname + new URL(res.body.meta.url).search)
  assert.deepEqual(sids, [e3.sid, e2.sid, e1.sid])

  for (const bad of ['yesterday', '2024-13-01T00:00:00Z', '2024-02-30', '2024-05-01T25:00:00Z']) {
    assertTwilioError(await getList(app, `${EXECUTIONS}?DateCreatedFrom=${bad}`), 400, 20001, /DateCreatedFrom/)
  }
  assertTwilioError(await getList(app, `${EXECUTIONS}?DateCreatedTo=x`), 400, 20001, /DateCreatedTo/)
})

test('a tampered or foreign PageToken is 400, never 500', async (t) => {
  const { app, create } = await appWithClock(t)
  for (let i = 0; i < 3; i++) await create()
  const page = await getList(app, `${EXECUTIONS}?PageSize=1`)
  const token = new URL(page.body.meta.next_page_url).searchParams.get('PageToken') as string
  assert.match(token, /^PA/)
  const bogus = ['garbage', 'PA', 'PA!!!!', token.slice(0, -3), 'PX' + token.slice(2),
    'PA' + Buffer.from('{"a":1}').toString('base64url'), 'PA' + Buffer.from('[1]').toString('base64url'),
    'PA' + Buffer.from('[1,"y"]').toString('base64url'), 'PA' + Buffer.from('[1e400,"a"]').toString('base64url'), 'PA' + 'A'.repeat(5000)]
  for (const b of bogus) {
    assertTwilioError(await getList(app, `${EXECUTIONS}?PageToken=${encodeURIComponent(b)}`), 400, 20001, /PageToken/)
  }
})

test('page URLs follow the Host and X-Forwarded-Proto the client used', async (t) => {
  const app = await buildTestApp(t)
  const res = await getList(app, EXECUTIONS, { host: 'studio.example.test:8443', 'x-forwarded-proto': 'https' })
  assert.equal(res.body.meta.url, `https://studio.example.test:8443${EXECUTIONS}?PageSize=50&Page=0`)
  const created = await app.inject({
    method: 'POST',
    url: EXECUTIONS,
    headers: { authorization: authHeader(), host: 'emu:4010', 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'To=%2B1555&From=%2B1666'
  })
  assert.equal(created.json().url, `http://emu:4010${EXECUTIONS}/${created.json().sid}`)
})

test('STUDIO_PUBLIC_URL replaces the request\'s origin in every URL', async (t) => {
  const app = await buildTestApp(t, { raw: { publicUrl: 'https://studio.internal/' } })
  const created = await createExecution(app)
  assert.equal(created.body.url, `https://studio.internal${EXECUTIONS}/${created.body.sid}`)
  const res = await getList(app, EXECUTIONS)
  assert.equal(res.body.meta.first_page_url, `https://studio.internal${EXECUTIONS}?PageSize=50&Page=0`)
})

test('lists are per flow', async (t) => {
  const app = await buildTestApp(t)
  await createExecution(app)
  const other = 'FWaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
  assert.equal((await call(app, 'GET', `/v1/Flows/${other}/Executions`)).body.executions.length, 0)
})

test('Page without a PageToken (a helper library\'s page(pageNumber)) reads the n-th page from the start; past the end it is empty', async (t) => {
  const { app, create } = await appWithClock(t)
  const sids: string[] = []
  for (let i = 0; i < 7; i++) sids.push((await create()).sid)
  const newestFirst = [...sids].reverse()
  const sidsOf = (res: { body: any }) => res.body.executions.map((e: any) => e.sid)
  const second = await getList(app, `${EXECUTIONS}?PageSize=3&Page=1`)
  assert.deepEqual(sidsOf(second), newestFirst.slice(3, 6))
  assert.equal(second.body.meta.page, 1)
  assert.match(second.body.meta.next_page_url, /Page=2&PageToken=PA/)
  assert.match(second.body.meta.previous_page_url, /Page=0&PageToken=PB/)
  // Following next_page_url from there continues where Page=1 ended.
  const u = new URL(second.body.meta.next_page_url)
  assert.deepEqual(sidsOf(await getList(app, u.pathname + u.search)), newestFirst.slice(6))
  assert.deepEqual(sidsOf(await getList(app, `${EXECUTIONS}?PageSize=3&Page=2`)), newestFirst.slice(6))
  const past = await getList(app, `${EXECUTIONS}?PageSize=3&Page=9`)
  assert.equal(past.status, 200)
  assert.deepEqual(sidsOf(past), [])
  assert.equal(past.body.meta.next_page_url, null)
  assertMatchesSpec('v1', 'ListExecution', 200, past.body)
})

/** Every page of a list at this PageSize, walked along next_page_url from Page=0 (`query` holds its filters). */
async function walkedPages (app: FastifyInstance, query: string, pageSize: number): Promise<any[]> {
  const pages: any[] = []
  let url: string | null = `${EXECUTIONS}?${query}${query === '' ? '' : '&'}PageSize=${pageSize}`
  while (url !== null) {
    const u: URL = new URL(url, 'http://localhost')
    const res = await getList(app, u.pathname + u.search)
    assert.equal(res.status, 200)
    pages.push(res.body)
    url = res.body.meta.next_page_url
  }
  return pages
}

/**
 * What Page=n without a PageToken answers, from the pages a walk along next_page_url saw: page n as the walk
 * answered it (its meta too: the same next_page_url, previous_page_url and url with their tokens); past the last
 * page, no rows and a meta positioned where the walk stopped (the last page's PageToken).
 */
function expectedPage (walked: any[], n: number): any {
  if (n < walked.length) return walked[n]
  const last: string = walked.at(-1).meta.url
  const token = new URL(last).searchParams.get('PageToken')
  const at = (page: number, t: string | null): string => last.replace(/([?&]Page=)\d+.*$/, `$1${page}${t === null ? '' : `&PageToken=${t}`}`)
  return {
    executions: [],
    meta: {
      ...walked.at(-1).meta,
      page: n,
      url: at(n, token),
      next_page_url: null,
      previous_page_url: token === null ? null : at(n - 1, `PB${token.slice(2)}`)
    }
  }
}

test('Page=n without a PageToken jumps to the page in two reads, whatever n, and answers what walking next_page_url n times answers', async (t) => {
  const { app, clock, create } = await appWithClock(t)
  // Executions sharing a millisecond too, so that the order's tie-break (creation order) is crossed by pages.
  for (let i = 0; i < 250; i++) await create(i % 4 === 0 ? 0 : 1000)
  const store = (app as any).store
  const listExecutions = store.listExecutions
  const positions: unknown[] = []
  store.listExecutions = (...args: any[]) => { positions.push(args[2].token); return listExecutions(...args) }
  t.after(() => { store.listExecutions = listExecutions })
  const middle = new Date(T0 + 100_000).toISOString()

  for (const [query, pageSize, pageNumbers] of [
    ['', 1, [1, 2, 137, 248, 249, 250, 251, 4990]],
    ['', 7, [1, 30, 35, 36, 40]],
    ['', 50, [4, 5, 6]],
    ['', 1000, [1, 3]],
    [`DateCreatedFrom=${encodeURIComponent(middle)}`, 9, [1, 4, 5, 6, 99]]
  ] as Array<[string, number, number[]]>) {
    const walked = await walkedPages(app, query, pageSize)
    for (const n of pageNumbers) {
      positions.length = 0
      const res = await getList(app, `${EXECUTIONS}?${query}${query === '' ? '' : '&'}PageSize=${pageSize}&Page=${n}`)
      assert.equal(res.status, 200)
      assertMatchesSpec('v1', 'ListExecution', 200, res.body)
      assert.deepEqual(res.body, expectedPage(walked, n), `${query} PageSize=${pageSize} Page=${n}`)
      // One read at the offset, then the page itself (or, past the end, the last page's start): never one per page.
      assert.ok(positions.length <= 2, `${positions.length} reads for Page=${n}`)
      assert.deepEqual(positions[0], { direction: 'offset', rows: n * pageSize - 1 })
    }
  }
  // A Page so large that Page × PageSize is past any integer SQLite takes: an empty page, not a 500.
  clock.t += 1000
  const far = await getList(app, `${EXECUTIONS}?PageSize=1000&Page=999999999999999`)
  assert.equal(far.status, 200)
  assert.deepEqual(far.body.executions, [])
  assert.equal(far.body.meta.next_page_url, null)
})
