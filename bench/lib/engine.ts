// Engine throughput: executions of a ten-widget REST-triggered flow without outbound HTTP, per second, timed from
// the first create until /__emulator/idle says every execution has ended. The creates come from autocannon like the
// create case's (50 in flight, then 1), so the figure reads against that case's rps in the same run.
import { failuresOf, runLoad, sizedRun, type LoadResult, type LoadSpec } from './load.js'
import { CHANNEL, FORM, executionState, publishFlow, v2Creates, waitIdle } from './emulator-api.js'

const WIDGETS = 10
/** Steps each execution takes: one per widget plus the Trigger's. */
export const ENGINE_STEPS = WIDGETS + 1

/** Trigger → 8 set-variables → split-based-on → send-message: ten widgets, no outbound HTTP. */
export function tenWidgetFlow (): Record<string, unknown> {
  const states: Array<Record<string, unknown>> = [{
    name: 'Trigger',
    type: 'trigger',
    properties: { offset: { x: 0, y: 0 } },
    transitions: [{ event: 'incomingMessage' }, { event: 'incomingCall' }, { event: 'incomingConversationMessage' }, { event: 'incomingRequest', next: 'Set1' }, { event: 'incomingParent' }]
  }]
  for (let i = 1; i <= 8; i++) {
    states.push({
      name: `Set${i}`,
      type: 'set-variables',
      properties: { offset: { x: 0, y: i * 100 }, variables: [{ key: `v${i}`, value: `{{flow.data.n | plus: ${i}}}` }] },
      transitions: [{ event: 'next', next: i < 8 ? `Set${i + 1}` : 'Route' }]
    })
  }
  states.push({
    name: 'Route',
    type: 'split-based-on',
    properties: { offset: { x: 0, y: 900 }, input: '{{flow.variables.v8}}' },
    transitions: [
      { event: 'noMatch', next: 'Done' },
      { event: 'match', next: 'Done', conditions: [{ friendly_name: 'big', arguments: ['{{flow.variables.v8}}'], type: 'greater_than', value: '5' }] }
    ]
  })
  states.push({
    name: 'Done',
    type: 'send-message',
    properties: { offset: { x: 0, y: 1000 }, body: 'done {{flow.variables.v1}}' },
    transitions: [{ event: 'sent' }, { event: 'failed' }]
  })
  return { description: 'bench: ten widgets', states, initial_state: 'Trigger', flags: { allow_concurrent_calls: true } }
}

export interface EngineRun {
  executions: number
  /** From the first create until the engine was idle. */
  seconds: number
  executions_per_second: number
  /** The creates' answers (not the executions' run time). */
  create_p50_ms: number
  create_p99_ms: number
}

export interface EngineFigures extends EngineRun {
  flow_sid: string
  connections: number
  steps: number
  steps_per_second: number
  /** The same with one create in flight. */
  one_connection: EngineRun
  /** Non-2xx creates and socket errors over the measured runs (0 in a valid run). */
  failures: number
}

export interface EnginePlan {
  connections: number
  durationS: number
  duration1S: number
  warmupS: number
  /** Called as the measured runs begin (BENCH_PROFILE leaves what came before out of its summary). */
  onMeasuring?: (() => void) | undefined
}

/**
 * Runs the ten-widget flow: a check of one execution (its steps, ended), a warm-up at 50 and at 1 connection that
 * also estimates the rate, then exactly as many creates as that rate ends in `durationS` (50 in flight) and in
 * `duration1S` (1 in flight), each timed until the engine is idle (sizedRun repeats a run the estimate made too
 * short). Exact counts (autocannon's `amount`) because a run stopped by time leaves creates in flight whose
 * executions would run after the count was taken.
 */
export async function measureEngine (url: string, auth: Record<string, string>, plan: EnginePlan, log: (line: string) => void = () => {}): Promise<EngineFigures> {
  const flow = await publishFlow(url, auth, 'bench ten widgets', tenWidgetFlow())
  // A distinct To per create (n counts on across the runs), so that none meets an active execution of its contact.
  const creates = v2Creates(flow, auth, n => `+1777${String(n % 1e7).padStart(7, '0')}`)
  await checkOneExecution(url, auth, flow)

  // Warm-up: discarded, except as the estimate of how many executions fill each measured run.
  const warm50 = await timedToIdle(url, { ...creates, connections: plan.connections, durationS: plan.warmupS })
  const warm1 = await timedToIdle(url, { ...creates, connections: 1, durationS: plan.warmupS })

  let marked = false
  const c50 = await sizedRun(warm50.run.ok_all / warm50.seconds, plan.durationS, plan.connections * 4, async (amount) => {
    if (!marked) plan.onMeasuring?.()
    marked = true
    return await timedToIdle(url, { ...creates, connections: plan.connections, durationS: plan.durationS, amount })
  })
  const c1 = await sizedRun(warm1.run.ok_all / warm1.seconds, plan.duration1S, 20, async (amount) =>
    await timedToIdle(url, { ...creates, connections: 1, durationS: plan.duration1S, amount }))
  const failures = failuresOf(c50.run) + failuresOf(c1.run)
  if (c50.run.ok_all !== c50.amount || c1.run.ok_all !== c1.amount) throw new Error(`engine: ${c50.run.ok_all} of ${c50.amount} and ${c1.run.ok_all} of ${c1.amount} creates answered 201`)
  const figures = (r: { run: LoadResult, seconds: number }): EngineRun => ({
    executions: r.run.ok_all,
    seconds: Math.round(r.seconds * 100) / 100,
    executions_per_second: Math.round(r.run.ok_all / r.seconds),
    create_p50_ms: Math.round(r.run.p50_ms * 100) / 100,
    create_p99_ms: Math.round(r.run.p99_ms * 100) / 100
  })
  const main = figures(c50)
  log(`  engine (ten widgets)         ${String(main.executions_per_second).padStart(7)} executions/s (${main.executions} in ${main.seconds} s, ${plan.connections} creates in flight) | 1 conn ${figures(c1).executions_per_second} executions/s${failures > 0 ? `  (${failures} failures!)` : ''}`)
  return {
    ...main,
    flow_sid: flow,
    connections: plan.connections,
    steps: main.executions * ENGINE_STEPS,
    steps_per_second: Math.round(main.executions * ENGINE_STEPS / c50.seconds),
    one_connection: figures(c1),
    failures
  }
}

/** A load of creates, then /__emulator/idle: the seconds from the first create until the engine is idle. */
async function timedToIdle (url: string, spec: Omit<LoadSpec, 'url'>): Promise<{ run: LoadResult, seconds: number }> {
  const t0 = performance.now()
  const run = await runLoad({ ...spec, url })
  await waitIdle(url)
  return { run, seconds: (performance.now() - t0) / 1000 }
}

/** One create, run to its end: the Trigger's step and one per widget, and the execution ended. */
async function checkOneExecution (url: string, auth: Record<string, string>, flow: string): Promise<void> {
  const res = await fetch(`${url}/v2/Flows/${flow}/Executions`, {
    method: 'POST', headers: { ...auth, ...FORM }, body: new URLSearchParams({ To: '+17779999999', From: CHANNEL, Parameters: '{"n":1}' }), signal: AbortSignal.timeout(10_000)
  })
  if (res.status !== 201) throw new Error(`engine: create answered ${res.status} ${await res.text()}`)
  const sid = (await res.json() as { sid: string }).sid
  await waitIdle(url)
  const e = await executionState(url, auth, flow, sid)
  if (e.steps.length !== ENGINE_STEPS || e.status !== 'ended') throw new Error(`engine: an execution took ${e.steps.length} steps and is ${e.status}`)
}
