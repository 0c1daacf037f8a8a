// Inbound webhook: replies per second at Studio's webhook (POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}, the
// fields of Twilio's incoming-message webhook), each one resuming a distinct execution that waits in a
// send-and-wait-for-reply. The waiting executions are started over REST beforehand (50 creates in flight), one
// contact each, as many as the replies of the warm-up and both measured runs; a reply finds its execution by the
// contact (From) and the flow's channel address (To). A resumed execution goes on to a send-message and ends.
import { failuresOf, runLoad, sizedRun, type LoadResult, type LoadSpec } from './load.js'
import { httpJson } from './proc.js'
import { CHANNEL, executionState, publishFlow, v2Creates, waitIdle } from './emulator-api.js'

/** Trigger → Ask (send-and-wait-for-reply) → Thanks (send-message) on a reply: test/fixtures/flows/ask.json's shape. */
export function askFlow (): Record<string, unknown> {
  return {
    description: 'bench: ask and thank',
    states: [
      {
        name: 'Trigger',
        type: 'trigger',
        properties: { offset: { x: 0, y: 0 } },
        transitions: [{ event: 'incomingMessage' }, { event: 'incomingCall' }, { event: 'incomingConversationMessage' }, { event: 'incomingRequest', next: 'Ask' }, { event: 'incomingParent' }]
      },
      {
        name: 'Ask',
        type: 'send-and-wait-for-reply',
        // An hour: no execution times out while the bench runs.
        properties: { offset: { x: 0, y: 200 }, from: '{{flow.channel.address}}', body: 'What is your name?', timeout: '3600' },
        transitions: [{ event: 'incomingMessage', next: 'Thanks' }, { event: 'timeout' }, { event: 'deliveryFailure' }]
      },
      {
        name: 'Thanks',
        type: 'send-message',
        properties: { offset: { x: 0, y: 400 }, from: '{{flow.channel.address}}', to: '{{contact.channel.address}}', body: 'Thanks {{widgets.Ask.inbound.Body}}' },
        transitions: [{ event: 'sent' }, { event: 'failed' }]
      }
    ],
    initial_state: 'Trigger',
    flags: { allow_concurrent_calls: true }
  }
}

/** Steps of an execution waiting at Ask (Trigger → Ask), and of one that was resumed and ended (→ Thanks → end). */
const WAITING_STEPS = 1
export const ENDED_STEPS = 3

const contact = (n: number) => `+1666${String(n % 1e7).padStart(7, '0')}`
const hex32 = (n: number) => n.toString(16).padStart(32, '0')

/** What an answer to a reply must be: 2xx (checked by runLoad), the empty TwiML Studio answers, and resumed. */
function resumed (body: string, headers: Record<string, string | string[]>): boolean {
  const outcome = Object.entries(headers).find(([k]) => k.toLowerCase() === 'x-studio-emulator-outcome')?.[1]
  return outcome === 'resumed' && body.endsWith('<Response/>')
}

/** Replies from contact(first), contact(first + 1), … in order: the fields Twilio's incoming-message webhook posts. */
function replies (accountSid: string, flow: string, first: number): Omit<LoadSpec, 'url' | 'connections' | 'durationS'> & { vary: NonNullable<LoadSpec['vary']>, headers: Record<string, string> } {
  let n = first
  return {
    method: 'POST',
    path: `/v1/Accounts/${accountSid}/Flows/${flow}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    check: resumed,
    vary: (r) => {
      const i = n++
      const sid = `SM${hex32(i)}`
      const fields: Array<[string, string]> = [
        ['ToCountry', 'US'], ['ToState', 'CA'], ['SmsMessageSid', sid], ['NumMedia', '0'], ['ToCity', ''], ['FromZip', ''], ['SmsSid', sid],
        ['FromState', 'CA'], ['SmsStatus', 'received'], ['FromCity', ''], ['Body', `Ada ${i}`], ['FromCountry', 'US'], ['To', CHANNEL], ['ToZip', ''],
        ['NumSegments', '1'], ['MessageSid', sid], ['AccountSid', accountSid], ['From', contact(i)], ['ApiVersion', '2010-04-01']
      ]
      return { ...r, body: new URLSearchParams(fields).toString() }
    }
  }
}

export interface InboundPlan {
  connections: number
  durationS: number
  duration1S: number
  warmupS: number
  settleS: number
  /** A guess at replies per second (the create case's rps), to size the warm-up. */
  expectedRps: number
  /** Called as the measured runs begin (BENCH_PROFILE leaves what came before out of its summary). */
  onMeasuring?: (() => void) | undefined
}

export interface InboundRuns {
  flow_sid: string
  c50: LoadResult & { amount: number }
  c1: LoadResult
  /** Executions started to wait for the replies (every one of them answered in the warm-up or a measured run). */
  waiting: number
  /** After the last reply at 50 connections, until the engine had run every resumed execution to its end. */
  drain_ms: number
}

export async function measureInbound (url: string, auth: Record<string, string>, accountSid: string, plan: InboundPlan, log: (line: string) => void = () => {}): Promise<InboundRuns> {
  const flow = await publishFlow(url, auth, 'bench ask', askFlow())
  // Runs of an exact count end when the count is answered; this only bounds them (runLoad stops one at 3 × + 30 s):
  // under 200 requests a second, the emulator is taken to hang.
  const boundS = (amount: number) => amount / 200
  // Each batch of waiting executions takes the next contacts; the replies that answer it walk them in the same order.
  let nextContact = 0
  let waiting = 0
  const startWaiting = async (amount: number): Promise<number> => {
    const first = nextContact
    nextContact += amount
    const run = await runLoad({ ...v2Creates(flow, auth, n => contact(first + n)), url, connections: Math.min(plan.connections, amount), durationS: boundS(amount), amount })
    await waitIdle(url)
    if (run.ok_all !== amount || failuresOf(run) > 0) throw new Error(`inbound: ${run.ok_all} of ${amount} waiting executions were created (${failuresOf(run)} failures)`)
    waiting += amount
    return first
  }
  const answer = async (first: number, connections: number, amount: number, settleS = 0) => {
    const run = await runLoad({ ...replies(accountSid, flow, first), url, connections, durationS: boundS(amount), amount, settleS })
    if (run.ok_all !== amount) throw new Error(`inbound: ${run.ok_all} of ${amount} replies resumed an execution (${run.non2xx} non-2xx, ${run.rejected} not resumed, ${run.errors} errors)`)
    return run
  }

  const checked = await startWaiting(1)
  await checkOneReply(url, auth, flow, checked, replies(accountSid, flow, checked))

  // Warm-up (discarded): also how many replies fill each measured run.
  const warm50 = Math.max(plan.connections * 4, Math.round(plan.expectedRps * plan.warmupS / 4))
  const warm1 = Math.max(20, Math.round(plan.expectedRps * plan.warmupS / 10))
  const w50 = await answer(await startWaiting(warm50), plan.connections, warm50)
  const w1 = await answer(await startWaiting(warm1), 1, warm1)
  await waitIdle(url)
  // The 1-connection run's executions wait from before the measured runs, so that nothing but replies runs between.
  const amount1 = Math.max(20, Math.round(warm1 / w1.seconds * plan.duration1S))
  const first1 = await startWaiting(amount1)

  let drainMs = 0
  let marked = false
  const c50 = await sizedRun(warm50 / w50.seconds, plan.durationS, plan.connections * 4, async (amount) => {
    const first = await startWaiting(amount)
    if (!marked) plan.onMeasuring?.()
    marked = true
    const run = await answer(first, plan.connections, amount, plan.settleS)
    const t = performance.now()
    await waitIdle(url)
    drainMs = performance.now() - t
    return run
  })
  const c1 = await answer(first1, 1, amount1)
  await waitIdle(url)
  log(`  emulator inbound reply       ${String(Math.round(c50.rps)).padStart(7)} rps  p50 ${c50.p50_ms.toFixed(2)} ms  p99 ${c50.p99_ms.toFixed(2)} ms  | 1 conn p50 ${c1.p50_ms.toFixed(2)} ms  p99 ${c1.p99_ms.toFixed(2)} ms  (${c50.amount} + ${amount1} replies, each resumed a waiting execution; engine idle ${drainMs.toFixed(0)} ms after the last)`)
  return { flow_sid: flow, c50, c1, waiting, drain_ms: Math.round(drainMs) }
}

/**
 * One waiting execution, one reply through the same request the load sends (its first): the answer is the empty
 * TwiML with outcome `resumed`, and the execution moves on from Ask (one step, active) to its end (three, ended).
 */
async function checkOneReply (url: string, auth: Record<string, string>, flow: string, first: number, reply: ReturnType<typeof replies>): Promise<void> {
  const list = await httpJson(`${url}/v2/Flows/${flow}/Executions?PageSize=1`, auth)
  const sid = String(list.body.executions?.[0]?.sid)
  if (list.status !== 200 || list.body.executions?.[0]?.contact_channel_address !== contact(first)) throw new Error(`inbound: no waiting execution of ${contact(first)}: ${JSON.stringify(list.body).slice(0, 300)}`)
  const before = await executionState(url, auth, flow, sid)
  if (before.status !== 'active' || before.steps.length !== WAITING_STEPS) throw new Error(`inbound: the execution to reply to is ${before.status} with ${before.steps.length} steps`)
  const body = String(reply.vary({}).body)
  const answer = await fetch(url + reply.path, { method: 'POST', headers: reply.headers, body, signal: AbortSignal.timeout(10_000) })
  const text = await answer.text()
  const headers = Object.fromEntries(answer.headers.entries())
  if (answer.status !== 200 || !/^text\/xml/.test(headers['content-type'] ?? '') || !resumed(text, headers)) {
    throw new Error(`inbound: a reply answered ${answer.status} ${headers['content-type'] ?? ''} outcome ${headers['x-studio-emulator-outcome'] ?? 'none'}: ${text.slice(0, 200)}`)
  }
  await waitIdle(url)
  const after = await executionState(url, auth, flow, sid)
  if (after.status !== 'ended' || after.steps.length !== ENDED_STEPS) throw new Error(`inbound: after the reply the execution is ${after.status} with ${after.steps.length} steps`)
}
