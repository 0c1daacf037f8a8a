// The event dispatcher on its own, over a real outbox: how due events become requests (one account per request, a
// retried event alone), that back-off runs on the emulator clock, what a sink that never answers gets, and how a sink
// URL with credentials is split into where requests go, what is signed and what may be shown.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import twilio from 'twilio'
import { createControllableClock } from '../../src/clock.js'
import type { EventOutboxEntry } from '../../src/db/event-outbox.js'
import { migrate } from '../../src/db/migrate.js'
import { openDatabase } from '../../src/db/open.js'
import { createStore } from '../../src/db/store.js'
import { createEventDispatcher, planDeliveries, signedUrl } from '../../src/events/dispatcher.js'
import { parseSinkUrl, redactUrl } from '../../src/events/sink-url.js'
import { ACCOUNT_A, ACCOUNT_B } from '../support/helper.js'
import { sink, until } from '../support/event-sink.js'

const silent = { info () {}, warn () {}, error () {} }
const tokens: Record<string, string> = { [ACCOUNT_A.sid]: ACCOUNT_A.authToken, [ACCOUNT_B.sid]: ACCOUNT_B.authToken }

function outbox (t: TestContext) {
  const db = openDatabase(':memory:')
  migrate(db)
  t.after(() => db.close())
  const store = createStore(db)
  const clock = createControllableClock()
  clock.freeze(true)
  let n = 0
  const enqueue = (accountSid: string) => {
    n++
    store.enqueueEvent(accountSid, null, 'test', { id: `EZ${String(n).padStart(32, '0')}`, n }, clock.now())
  }
  return { store, clock, enqueue, all: () => store.listEvents({ pendingOnly: false, limit: 1000 }).reverse() }
}

const entry = (id: number, accountSid: string, attempts: number) => ({ id, accountSid, attempts }) as EventOutboxEntry

test('planDeliveries: events never tried go in batches of one account\'s, oldest first; a retried event goes alone', () => {
  const A = ACCOUNT_A.sid
  const B = ACCOUNT_B.sid
  const plan = planDeliveries([entry(1, A, 0), entry(2, B, 0), entry(3, A, 2), entry(4, A, 0), entry(5, A, 0), entry(6, B, 0)], 2)
  assert.deepEqual(plan.map(d => [d.accountSid, d.entries.map(e => e.id)]), [[A, [1, 4]], [B, [2, 6]], [A, [3]], [A, [5]]])
})

test('signedUrl appends bodySHA256 after the URL\'s own query, without its fragment', () => {
  const hash = '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945' // SHA-256 of "[]"
  assert.equal(signedUrl('https://example.com/sink', '[]'), `https://example.com/sink?bodySHA256=${hash}`)
  assert.equal(signedUrl('https://example.com/sink?a=1#x', '[]'), `https://example.com/sink?a=1&bodySHA256=${hash}`)
})

test('events of two accounts due together go as one request per account, each signed with its own auth token', async (t) => {
  const s = await sink(t)
  const o = outbox(t)
  for (const account of [ACCOUNT_A.sid, ACCOUNT_B.sid, ACCOUNT_A.sid, ACCOUNT_B.sid, ACCOUNT_A.sid]) o.enqueue(account)
  const d = createEventDispatcher({ url: s.url, store: o.store, log: silent, clock: o.clock, authTokenOf: sid => tokens[sid] })
  t.after(d.stop)
  d.kick()
  await until('delivery', () => o.store.eventCounts().pending === 0)
  assert.equal(s.requests.length, 2)
  const byAccount = Object.fromEntries(s.requests.map(r => [r.events.map(e => e.n).join(','), r]))
  assert.deepEqual(Object.keys(byAccount).sort(), ['1,3,5', '2,4'])
  for (const [ns, account] of [['1,3,5', ACCOUNT_A], ['2,4', ACCOUNT_B]] as const) {
    const r = byAccount[ns]
    assert.ok(r !== undefined)
    assert.ok(twilio.validateRequestWithBody(account.authToken, String(r.headers['x-twilio-signature']), r.url, r.body))
  }
  assert.ok(o.all().every(e => e.status === 'delivered' && e.attempts === 1 && e.deliveredAt === o.clock.now()))
})

test('back-off runs on the emulator clock: a frozen clock holds a retry, moving it brings the retry due; a clock moved back does not hold one', async (t) => {
  let up = false
  const s = await sink(t, () => up ? 204 : 503)
  const o = outbox(t)
  o.enqueue(ACCOUNT_A.sid)
  const d = createEventDispatcher({ url: s.url, store: o.store, log: silent, clock: o.clock, initialRetryMs: 1_000, maxRetryMs: 100_000 })
  t.after(d.stop)
  d.kick()
  await until('a first attempt', () => o.all()[0]?.attempts === 1)
  const [first] = o.all()
  assert.equal(first?.nextAttemptAt, o.clock.now() + 1_000)
  assert.equal(first?.lastError, 'the sink answered 503')
  await new Promise(resolve => setTimeout(resolve, 1_300)) // real time passes; the emulator clock stands still
  assert.equal(o.all()[0]?.attempts, 1)
  o.clock.advance(1_000)
  await until('the retry', () => o.all()[0]?.attempts === 2, 3_000)
  assert.equal(o.all()[0]?.nextAttemptAt, o.clock.now() + 2_000)

  // Moved back a day, the next attempt is more than the longest back-off ahead: due now, not in a day.
  up = true
  o.clock.advance(-24 * 3600 * 1000)
  await until('delivery after the clock moved back', () => o.all()[0]?.status === 'delivered', 3_000)
})

test('retries stop at the end of the window, then the event expires with its last error; a later event is still delivered', async (t) => {
  const s = await sink(t, events => events.some(e => e.n === 1) ? 500 : 204)
  const o = outbox(t)
  o.enqueue(ACCOUNT_A.sid)
  const d = createEventDispatcher({ url: s.url, store: o.store, log: silent, clock: o.clock, initialRetryMs: 10, maxRetryMs: 10, retryWindowMs: 60_000 })
  t.after(d.stop)
  d.kick()
  await until('a first attempt', () => o.all()[0]?.attempts === 1)
  o.clock.advance(59_000)
  await until('a retry inside the window', () => (o.all()[0]?.attempts ?? 0) >= 2)
  assert.equal(o.all()[0]?.status, 'pending')
  // The last retry is made at the end of the window, not after it.
  o.clock.advance(995)
  const createdAt = o.all()[0]?.createdAt as number
  await until('the retry at the end of the window', () => o.all()[0]?.nextAttemptAt === createdAt + 60_000, 3_000)
  assert.equal(o.all()[0]?.status, 'pending')
  o.clock.advance(2_000)
  await until('expiry', () => o.all()[0]?.status === 'expired', 3_000)
  const [expired] = o.all()
  assert.equal(expired?.failedAt, o.clock.now())
  assert.match(expired?.lastError ?? '', /^the sink answered 500; given up/)
  // A new event written now is delivered even though the clock is far past the first one's window.
  o.enqueue(ACCOUNT_A.sid)
  d.kick()
  await until('the second event', () => o.all()[1]?.status === 'delivered')
})

test('parseSinkUrl: user info becomes Basic auth (percent-decoded), requests go without it, the signature covers it, the password is shown as ***', () => {
  const url = 'https://sink-user:p%40ss%3Aw0rd@example.com:8443/sink?a=1'
  const sinkUrl = parseSinkUrl(url)
  assert.equal(sinkUrl.target, 'https://example.com:8443/sink?a=1')
  assert.equal(sinkUrl.signed, url)
  assert.equal(sinkUrl.authorization, 'Basic ' + Buffer.from('sink-user:p@ss:w0rd').toString('base64'))
  assert.equal(sinkUrl.redacted, 'https://sink-user:***@example.com:8443/sink?a=1')
  assert.equal(sinkUrl.scrub('to p@ss:w0rd or p%40ss%3Aw0rd'), 'to *** or ***')
  // A user without a password is Basic auth with an empty password, and nothing to hide.
  const userOnly = parseSinkUrl('https://sink-user@example.com/sink')
  assert.equal(userOnly.authorization, 'Basic ' + Buffer.from('sink-user:').toString('base64'))
  assert.equal(userOnly.redacted, 'https://sink-user@example.com/sink')
  // Without user info the URL is used as it is.
  assert.deepEqual({ ...parseSinkUrl('https://example.com/sink'), scrub: undefined }, { target: 'https://example.com/sink', signed: 'https://example.com/sink', authorization: undefined, redacted: 'https://example.com/sink', scrub: undefined })
  assert.equal(redactUrl('http://u:%zz@example.com/'), 'http://u:***@example.com/')
})

test('a sink that never answers: the request is given up after timeoutMs and retried with back-off; a later event is delivered meanwhile; last_error says the sink did not answer', async (t) => {
  let hang = true
  const s = await sink(t, events => hang && events.some(e => e.n === 1) ? 'hang' : 204)
  const o = outbox(t)
  o.enqueue(ACCOUNT_A.sid)
  const d = createEventDispatcher({ url: s.url, store: o.store, log: silent, clock: o.clock, timeoutMs: 100, initialRetryMs: 1_000, maxRetryMs: 100_000 })
  t.after(d.stop)
  d.kick()
  await until('the first request', () => s.requests.length === 1)
  // Written while the first request hangs: it goes once the first attempt has been given up.
  o.enqueue(ACCOUNT_A.sid)
  d.kick()
  await until('the first attempt given up', () => o.all()[0]?.attempts === 1, 3_000)
  const [first] = o.all()
  assert.equal(first?.status, 'pending')
  assert.equal(first?.lastError, 'the sink did not answer within 100 ms')
  assert.equal(first?.nextAttemptAt, o.clock.now() + 1_000)
  await until('the later event', () => o.all()[1]?.status === 'delivered', 3_000)
  assert.equal(o.all()[0]?.attempts, 1, 'the hanging event waits for its back-off (the emulator clock stands still)')
  assert.deepEqual(s.delivered().map(e => e.n), [2])

  // Its retry hangs too: the back-off doubles.
  o.clock.advance(1_000)
  d.kick() // as moving the clock through the control API does
  await until('the retry given up', () => o.all()[0]?.attempts === 2, 3_000)
  assert.equal(o.all()[0]?.lastError, 'the sink did not answer within 100 ms')
  assert.equal(o.all()[0]?.nextAttemptAt, o.clock.now() + 2_000)
  assert.equal(s.requests.filter(r => r.events.some(e => e.n === 1)).length, 2)

  // The sink answers again: the next retry delivers it.
  hang = false
  o.clock.advance(2_000)
  d.kick()
  await until('delivery', () => o.all()[0]?.status === 'delivered', 3_000)
  assert.deepEqual(s.delivered().map(e => e.n), [2, 1])
})
