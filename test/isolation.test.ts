// Account isolation, generated: accounts A and B (and an API key acting for A) interleave random operations on
// shared FlowSids — create, list, fetch, end and delete executions (v1, v2, Engagements), read Context and Steps,
// create, list, fetch and delete flows. No answer to one account ever names the other's account, executions,
// steps, contacts or request SIDs, and every answer matches a model of what that account created and deleted.
// ISOLATION_RUNS sets the number of generated sequences (default HOSTILE_RUNS / 15, so 100), ISOLATION_SEED replays.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../src/app.js'
import { ACCOUNT_A, ACCOUNT_B, FLOW, KEY_A, OTHER_FLOW, authHeader, form, testConfig } from './support/helper.js'
import { fixture } from './support/flows.js'

const RUNS = Number(process.env.ISOLATION_RUNS ?? Math.ceil(Number(process.env.HOSTILE_RUNS ?? 1500) / 15))
const SEED = process.env.ISOLATION_SEED === undefined ? undefined : Number(process.env.ISOLATION_SEED)

/** Who calls: A with its auth token, A through its API key, or B. */
const PRINCIPALS = [ACCOUNT_A, KEY_A, ACCOUNT_B] as const
const accountOf = (who: number) => who === 2 ? ACCOUNT_B.sid : ACCOUNT_A.sid
const otherAccount = (account: string) => account === ACCOUNT_A.sid ? ACCOUNT_B.sid : ACCOUNT_A.sid

type Version = 'v1' | 'v2' | 'eng'
const collection = (v: Version) => v === 'eng' ? 'Engagements' : 'Executions'
const prefix = (v: Version) => v === 'v2' ? '/v2' : '/v1'

/** A third SID both accounts use; with FLOW and OTHER_FLOW, registered per account on first use. */
const THIRD_FLOW = 'FW00000000000000000000000000000003'
const TO = ['+15550000001', '+15550000002', 'client:alice']
const FROM = ['+15559990001', 'whatsapp:+15559990002']

type Op =
  | { kind: 'create', who: number, version: Version, flow: number, to: number, from: number }
  | { kind: 'fetch' | 'context' | 'steps' | 'end' | 'delete', who: number, version: Version, flow: number, exec: number }
  | { kind: 'list', who: number, version: Version, flow: number, pageSize: number }
  | { kind: 'step', who: number, exec: number, step: number }
  | { kind: 'createFlow', who: number }
  | { kind: 'flows', who: number, version: 'v1' | 'v2' }
  | { kind: 'fetchFlow' | 'deleteFlow', who: number, version: 'v1' | 'v2', flow: number }

const who = fc.integer({ min: 0, max: 2 })
const version = fc.constantFrom<Version>('v1', 'v2', 'eng')
const flowVersion = fc.constantFrom<'v1' | 'v2'>('v1', 'v2')
const index = fc.nat({ max: 40 })

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('create' as const), who, version, flow: index, to: fc.nat({ max: TO.length - 1 }), from: fc.nat({ max: FROM.length - 1 }) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('fetch' as const, 'context' as const, 'steps' as const, 'end' as const, 'delete' as const), who, version, flow: index, exec: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('list' as const), who, version, flow: index, pageSize: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('step' as const), who, exec: index, step: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createFlow' as const), who }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flows' as const), who, version: flowVersion }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('fetchFlow' as const, 'deleteFlow' as const), who, version: flowVersion, flow: index }) }
)

interface Execution { sid: string, account: string, flow: string, to: string, from: string, status: 'active' | 'ended', steps: string[] }

/** What each account should see. */
class Model {
  /** Flows each account has: created over v2 ('api') or registered on first use ('auto'). */
  readonly flows = new Map<string, Map<string, 'api' | 'auto'>>([[ACCOUNT_A.sid, new Map()], [ACCOUNT_B.sid, new Map()]])
  /** FlowSids an account has ever had: it may see those SIDs again. */
  readonly everHad = new Map<string, Set<string>>([[ACCOUNT_A.sid, new Set()], [ACCOUNT_B.sid, new Set()]])
  readonly flowPool: string[] = [FLOW, OTHER_FLOW, THIRD_FLOW]
  /** Every execution ever created (deleted ones stay in the pool so that their SIDs are tried again). */
  readonly executions: Execution[] = []
  readonly live = new Map<string, Execution>()
  /** Who each SID seen in an answer belongs to (FN, FT, FC, RQ): first seen by, or created by, that account. */
  readonly owner = new Map<string, string>()

  has (account: string, flow: string) { return this.flows.get(account)?.has(flow) === true }
  /** FlowSids are global: another account's flow is a 404 for this one (and is not registered for it). */
  elsewhere (account: string, flow: string) { return !this.has(account, flow) && this.has(otherAccount(account), flow) }
  register (account: string, flow: string, origin: 'api' | 'auto') {
    this.flows.get(account)?.set(flow, origin)
    this.everHad.get(account)?.add(flow)
  }

  liveIn (account: string, flow: string): Execution[] {
    return [...this.live.values()].filter(e => e.account === account && e.flow === flow)
  }
}

interface Answer { status: number, body: any, text: string }

class Run {
  readonly model = new Model()
  requests = 0
  /** Requests naming an execution of the other account (each must be a 404). */
  crossProbes = 0
  constructor (readonly app: FastifyInstance) {}

  async request (whoIndex: number, method: 'GET' | 'POST' | 'DELETE', url: string, fields?: Record<string, string>): Promise<Answer> {
    this.requests++
    const res = await this.app.inject({
      method,
      url,
      headers: { authorization: authHeader(PRINCIPALS[whoIndex]), ...(fields !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(fields !== undefined && { payload: form(fields) })
    })
    const answer = { status: res.statusCode, text: res.body, body: res.body === '' ? undefined : res.json() }
    this.assertNoLeak(accountOf(whoIndex), url, answer.text)
    return answer
  }

  /** Every SID in an answer is the caller's own, or one the caller put in the URL. */
  assertNoLeak (account: string, url: string, text: string): void {
    const other = otherAccount(account)
    const where = () => `${url} (as ${account}) answered ${text.slice(0, 600)}`
    assert.ok(!text.includes(other), `the other account's SID in ${where()}`)
    for (const [sid] of text.matchAll(/\b(?:FN|FT|FC|RQ|FW)[0-9a-f]{32}\b/g)) {
      if (url.includes(sid)) continue
      if (sid.startsWith('FW')) {
        // FlowSids are shared: a flow SID of the other account is fine once this account has used it too.
        const mine = this.model.everHad.get(account)?.has(sid) === true
        assert.ok(mine || this.model.everHad.get(other)?.has(sid) !== true, `the other account's flow ${sid} in ${where()}`)
        if (!mine) this.model.everHad.get(account)?.add(sid) // a new flow (the answer to its create)
        continue
      }
      const owner = this.model.owner.get(sid)
      if (owner === undefined) this.model.owner.set(sid, account)
      else assert.equal(owner, account, `${sid} of ${owner} in ${where()}`)
    }
  }

  flowAt (i: number) { return this.model.flowPool[i % this.model.flowPool.length] as string }
  execAt (i: number): Execution | undefined { return this.model.executions.length === 0 ? undefined : this.model.executions[i % this.model.executions.length] }

  async apply (op: Op): Promise<void> {
    const m = this.model
    const account = accountOf(op.who)
    switch (op.kind) {
      case 'create': {
        const flow = this.flowAt(op.flow)
        const to = TO[op.to] as string
        const from = FROM[op.from] as string
        const res = await this.request(op.who, 'POST', `${prefix(op.version)}/Flows/${flow}/${collection(op.version)}`, { To: to, From: from, Parameters: JSON.stringify({ account, n: m.executions.length }) })
        if (m.elsewhere(account, flow)) {
          assert.equal(res.status, 404, res.text)
          return
        }
        if (!m.has(account, flow)) m.register(account, flow, 'auto')
        const active = m.liveIn(account, flow).find(e => e.to === to && e.from === from && e.status === 'active')
        if (active !== undefined) {
          if (op.version === 'v2') {
            assert.equal(res.status, 409, res.text)
            assert.equal(res.body.details.conflicting_execution_sid, active.sid)
          } else {
            assert.equal(res.status, 200, res.text)
            assert.equal(res.body.sid, active.sid, 'v1 hands back the active execution')
          }
          return
        }
        assert.equal(res.status, op.version === 'v2' ? 201 : 200, res.text)
        assert.equal(res.body.account_sid, account)
        assert.equal(res.body.flow_sid, flow)
        assert.ok(!m.executions.some(x => x.sid === res.body.sid), 'a new SID')
        const e: Execution = { sid: res.body.sid, account, flow, to, from, status: 'active', steps: [] }
        m.executions.push(e)
        m.live.set(e.sid, e)
        m.owner.set(e.sid, account)
        m.owner.set(res.body.contact_sid, m.owner.get(res.body.contact_sid) ?? account)
        assert.equal(m.owner.get(res.body.contact_sid), account, 'contact SIDs differ between accounts')
        // A flow made over v2 runs: Trigger, then Ask waits for a reply (600 s), so the execution stays active.
        if (m.flows.get(account)?.get(flow) === 'api') await this.app.inject({ method: 'GET', url: '/__emulator/idle' })
        return
      }
      case 'fetch': case 'context': case 'steps': case 'end': case 'delete': {
        const e = this.execAt(op.exec)
        const flow = this.flowAt(op.flow)
        const sid = e?.sid ?? 'FN00000000000000000000000000000000'
        // Half the time, the execution's own flow: a right flow with a wrong account is the interesting case.
        const useFlow = e !== undefined && op.flow % 2 === 0 ? e.flow : flow
        const base = `${prefix(op.version)}/Flows/${useFlow}/${collection(op.version)}/${sid}`
        const mine = e !== undefined && m.live.has(e.sid) && e.account === account && e.flow === useFlow
        if (e !== undefined && e.account !== account) this.crossProbes++
        if (op.kind === 'fetch') {
          const res = await this.request(op.who, 'GET', base)
          assert.equal(res.status, mine ? 200 : 404, res.text)
          if (mine) assert.equal(res.body.status, e.status)
        } else if (op.kind === 'context') {
          const res = await this.request(op.who, 'GET', `${base}/Context`)
          assert.equal(res.status, mine ? 200 : 404, res.text)
          if (mine) assert.equal(res.body.context.contact.channel.address, e.to)
        } else if (op.kind === 'steps') {
          const res = await this.request(op.who, 'GET', `${base}/Steps`)
          assert.equal(res.status, mine ? 200 : 404, res.text)
          if (mine) {
            e.steps = res.body.steps.map((s: { sid: string }) => s.sid)
            if (m.flows.get(account)?.get(useFlow) === 'auto') assert.equal(e.steps.length, 0, 'an auto flow runs nothing')
          }
        } else if (op.kind === 'end') {
          const res = await this.request(op.who, 'POST', base, { Status: 'ended' })
          if (op.version === 'eng') assert.equal(res.status, 405, res.text)
          else if (!mine) assert.equal(res.status, 404, res.text)
          else if (e.status === 'ended') assert.equal(res.status, 409, res.text)
          else {
            assert.equal(res.status, 200, res.text)
            assert.equal(res.body.status, 'ended')
            e.status = 'ended'
          }
        } else {
          const res = await this.request(op.who, 'DELETE', base)
          assert.equal(res.status, mine ? 204 : 404, res.text)
          if (mine) m.live.delete(e.sid)
        }
        return
      }
      case 'step': {
        const e = this.execAt(op.exec)
        const step = e?.steps[op.step % Math.max(e.steps.length, 1)]
        if (e === undefined || step === undefined) return
        const base = `/v2/Flows/${e.flow}/Executions/${e.sid}/Steps/${step}`
        const mine = m.live.has(e.sid) && e.account === account
        if (e.account !== account) this.crossProbes++
        assert.equal((await this.request(op.who, 'GET', base)).status, mine ? 200 : 404)
        assert.equal((await this.request(op.who, 'GET', `${base}/Context`)).status, mine ? 200 : 404)
        return
      }
      case 'list': {
        const flow = this.flowAt(op.flow)
        const seen: string[] = []
        let url: string | null = `${prefix(op.version)}/Flows/${flow}/${collection(op.version)}?PageSize=${op.pageSize}`
        if (m.elsewhere(account, flow)) {
          assert.equal((await this.request(op.who, 'GET', url)).status, 404)
          return
        }
        for (let page = 0; url !== null; page++) {
          assert.ok(page < 200, 'paging ends')
          const res = await this.request(op.who, 'GET', url)
          assert.equal(res.status, 200, res.text)
          const items = res.body[op.version === 'eng' ? 'engagements' : 'executions'] as Array<{ sid: string, account_sid: string, status: string }>
          assert.ok(items.length <= op.pageSize)
          for (const item of items) {
            assert.equal(item.account_sid, account)
            seen.push(item.sid)
            if (op.version !== 'eng') assert.equal(item.status, m.live.get(item.sid)?.status, `status of ${item.sid}`)
          }
          const next: string | null = res.body.meta.next_page_url
          url = next === null ? null : next.replace(/^https?:\/\/[^/]+/, '')
        }
        const expected = m.liveIn(account, flow).map(e => e.sid)
        assert.equal(new Set(seen).size, seen.length, 'no execution listed twice')
        assert.deepEqual(new Set(seen), new Set(expected), `${account} lists exactly its own executions of ${flow}`)
        return
      }
      case 'createFlow': {
        const res = await this.request(op.who, 'POST', '/v2/Flows', { FriendlyName: `flow of ${account}`, Status: 'published', Definition: JSON.stringify(fixture('ask')) })
        assert.equal(res.status, 201, res.text)
        assert.equal(res.body.account_sid, account)
        m.register(account, res.body.sid, 'api')
        m.flowPool.push(res.body.sid)
        return
      }
      case 'flows': {
        const res = await this.request(op.who, 'GET', `/${op.version}/Flows?PageSize=1000`)
        assert.equal(res.status, 200, res.text)
        assert.deepEqual(new Set(res.body.flows.map((f: { sid: string }) => f.sid)), new Set(m.flows.get(account)?.keys()))
        return
      }
      default: {
        const flow = this.flowAt(op.flow)
        const url = `/${op.version}/Flows/${flow}`
        const mine = m.has(account, flow)
        if (op.kind === 'fetchFlow') {
          const res = await this.request(op.who, 'GET', url)
          assert.equal(res.status, mine ? 200 : 404, res.text)
          if (mine) assert.equal(res.body.account_sid, account)
          return
        }
        const res = await this.request(op.who, 'DELETE', url)
        assert.equal(res.status, mine ? 204 : 404, res.text)
        if (mine) {
          m.flows.get(account)?.delete(flow)
          for (const e of m.liveIn(account, flow)) m.live.delete(e.sid)
        }
      }
    }
  }

  /** At the end: every account's every list matches the model, and B's data is untouched by A and the other way. */
  async finalCheck (): Promise<void> {
    for (const whoIndex of [0, 2]) {
      const account = accountOf(whoIndex)
      for (const [i] of this.model.flowPool.entries()) await this.apply({ kind: 'list', who: whoIndex, version: 'v2', flow: i, pageSize: 1000 })
      await this.apply({ kind: 'flows', who: whoIndex, version: 'v2' })
      for (const e of this.model.live.values()) {
        if (e.account !== account) continue
        const res = await this.request(whoIndex, 'GET', `/v1/Flows/${e.flow}/Executions/${e.sid}/Context`)
        assert.equal(res.status, 200)
        assert.equal(res.body.context.flow.data.account, account, 'the Context holds what this account sent')
      }
    }
  }
}

test(`${RUNS} generated sequences of interleaved A, A-key and B operations: no answer crosses accounts, counts match the model`, { timeout: 600_000 }, async (t) => {
  let requests = 0
  let sequences = 0
  let crossProbes = 0
  // One app for every sequence (building one costs more than a short sequence); each sequence starts from an
  // empty database, as a fresh app would: POST /__emulator/reset removes every account's flows, executions,
  // steps and events (nothing here moves the clock, sets faults or turns on rate limits).
  const app = await buildApp({ config: testConfig() })
  t.after(async () => { await app.close() })
  await app.ready()
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 60 }), async (ops) => {
    assert.equal((await app.inject({ method: 'GET', url: '/__emulator/idle' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'POST', url: '/__emulator/reset' })).statusCode, 200)
    for (const who of [0, 2]) {
      const flows = (await app.inject({ method: 'GET', url: '/v2/Flows', headers: { authorization: authHeader(PRINCIPALS[who]) } })).json().flows
      assert.deepEqual(flows, [], 'the reset left no flow behind')
    }
    const run = new Run(app)
    for (const op of ops) await run.apply(op)
    await run.finalCheck()
    requests += run.requests
    crossProbes += run.crossProbes
    sequences++
  }), { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }) })
  t.diagnostic(`${sequences} sequences, ${requests} requests, ${crossProbes} of them naming the other account's execution or step`)
})
