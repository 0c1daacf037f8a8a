// The flow engine: advances executions through their flow revision's widgets, one Step per transition taken,
// persisting every transition (and its events) in one transaction, so a restart resumes where it stopped.
// It imports no Fastify: HTTP routes and the control API drive it through this module's functions.
import type { EngineExecution, ExecutionRef } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import type { ExecutionWriter, WriteBatch } from '../studio/execution-writer.js'
import type { Clock } from '../clock.js'
import { contactSid, newSid } from '../twilio/sid.js'
import type { EndedReason, JsonObject, Logger } from '../types.js'
import type { WidgetChoices } from './choices.js'
import { HTTP_MAX_RESPONSE_BYTES, HTTP_TIMEOUT_MS, httpRequest, type HttpRequest, type HttpResponse } from './http.js'
import type { Outcome, OutboxEntry } from './widgets.js'

/**
 * The widgets and Liquid (liquidjs) load on the first widget run, not at startup: an emulator that only stores
 * executions starts faster (bench/README.md, startup).
 */
let widgetModules: Promise<[typeof import('./widgets.js'), typeof import('./liquid.js')]> | undefined
async function loadWidgets () {
  widgetModules ??= Promise.all([import('./widgets.js'), import('./liquid.js')])
  return await widgetModules
}

/** Studio FAQ: "Each Execution ends after 1,000 steps". */
export const MAX_STEPS = 1000
/** Studio FAQ: "If the same widget runs 10 times in a row during an Execution, that Execution will stop". */
export const MAX_REPEATS = 10
/** Studio FAQ: "An Execution automatically ends after 30 days". */
export const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000

/** What wakes an execution up. */
export type Job =
  | { kind: 'run' }
  | { kind: 'reply', inbound: JsonObject }
  | { kind: 'timeout' }
  | { kind: 'subflow-ended', childSid: string }

export interface RuntimeDeps {
  store: Store
  writer: ExecutionWriter
  clock: Clock
  choices: WidgetChoices
  log: Logger
  http?: (req: HttpRequest) => Promise<HttpResponse>
  /** How long make-http-request and run-function wait for an answer (Studio: 10 s; tests shorten it). */
  httpTimeoutMs?: number
  /** How often waits and expiry are checked on real time (tests move the clock and call tick()). */
  tickMs?: number
}

type State = { name: string, type: string, widget: JsonObject }

export type FlowRuntime = ReturnType<typeof createFlowRuntime>

export function createFlowRuntime (deps: RuntimeDeps) {
  const { store, writer, clock, choices, log } = deps
  const limits = { timeoutMs: deps.httpTimeoutMs ?? HTTP_TIMEOUT_MS, maxBytes: HTTP_MAX_RESPONSE_BYTES }
  const http = deps.http ?? (async (req: HttpRequest) => await httpRequest(req, limits))
  const chains = new Map<string, Promise<void>>()
  let inFlight = 0
  let stopped = false
  let ticker: NodeJS.Timeout | undefined
  const idleWaiters: Array<() => void> = []

  /** Queues a job for an execution; jobs of one execution run one after another, others in parallel. */
  function schedule (ref: { accountSid: string, sid: string }, job: Job): void {
    if (stopped) return
    inFlight++
    const previous = chains.get(ref.sid) ?? Promise.resolve()
    const next = previous.then(async () => await advance(ref.accountSid, ref.sid, job)).catch((err: unknown) => {
      log.error({ err, execution: ref.sid }, 'the flow engine failed on an execution')
    }).finally(() => {
      if (chains.get(ref.sid) === next) chains.delete(ref.sid)
      settle()
    })
    chains.set(ref.sid, next)
  }

  /** Resolves when no execution is mid-step (jobs scheduled meanwhile are waited for too). */
  async function idle (): Promise<void> {
    if (inFlight === 0) return
    await new Promise<void>(resolve => idleWaiters.push(resolve))
  }

  function definitionOf (e: EngineExecution): JsonObject | undefined {
    return store.getRevision(e.execution.accountSid, e.execution.flowSid, e.execution.flowRevision)?.definition
  }

  function stateOf (definition: JsonObject, name: string | null): State | undefined {
    if (name === null) return undefined
    const states = Array.isArray(definition.states) ? definition.states as JsonObject[] : []
    const widget = states.find(s => s?.name === name)
    return widget === undefined ? undefined : { name, type: String(widget.type), widget }
  }

  function nextOf (widget: JsonObject, event: string): string | undefined {
    const transitions = Array.isArray(widget.transitions) ? widget.transitions as JsonObject[] : []
    const t = transitions.find(x => x?.event === event)
    return typeof t?.next === 'string' && t.next !== '' ? t.next : undefined
  }

  /** The event the Trigger takes, from what started the execution. */
  function triggerEvent (context: JsonObject): string {
    const trigger = (context.trigger ?? {}) as JsonObject
    if (trigger.message !== undefined) return 'incomingMessage'
    if (trigger.parent !== undefined) return 'incomingParent'
    if (trigger.call !== undefined) return 'incomingCall'
    return 'incomingRequest'
  }

  async function advance (accountSid: string, sid: string, job: Job): Promise<void> {
    let e = store.getEngineExecution(accountSid, sid)
    if (e === undefined || e.execution.status !== 'active' || e.flowOrigin === 'auto') return
    const definition = definitionOf(e)
    if (definition === undefined) return
    const found = store.getExecutionContext(accountSid, e.execution.flowSid, sid)
    if (found === undefined) return
    const context = found.context

    // A job that resumes a wait applies only while the execution still waits for that.
    let outcome: Outcome | undefined
    if (job.kind === 'reply') {
      if (e.waitKind !== 'reply') return
      outcome = { event: 'incomingMessage', publish: { inbound: job.inbound } }
    } else if (job.kind === 'timeout') {
      if (e.waitUntil === null || e.waitUntil > clock.now() || (e.waitKind !== 'reply' && e.waitKind !== 'call')) return
      outcome = { event: 'timeout' }
    } else if (job.kind === 'subflow-ended') {
      if (e.waitKind !== 'subflow') return
      const child = store.getEngineExecution(accountSid, job.childSid)
      const childContext = child === undefined ? undefined : store.getExecutionContext(accountSid, child.execution.flowSid, job.childSid)?.context
      const variables = ((childContext?.flow as JsonObject | undefined)?.variables ?? {}) as JsonObject
      outcome = { event: child?.execution.endedReason === 'FLOW_END' ? 'completed' : 'failed', publish: variables }
    } else if (e.waitKind !== 'run') return

    for (let guard = 0; guard <= MAX_STEPS; guard++) {
      if (stopped) return
      const state = stateOf(definition, e.currentWidget)
      if (state === undefined) {
        writer.end(accountSid, e.execution.flowSid, sid, 'ERROR')
        afterEnd(e)
        return
      }
      if (outcome === undefined) {
        outcome = state.type === 'trigger'
          ? { event: triggerEvent(context) }
          : await runWidget(e, state, context)
        if (stopped) return
      }
      if ('wait' in outcome) {
        wait(e, state, context, outcome)
        return
      }
      const next = transition(e, state, context, outcome)
      if (next === undefined) return
      e = next
      outcome = undefined
      // Let HTTP requests in between long runs of quick widgets.
      await new Promise(resolve => setImmediate(resolve))
      e = store.getEngineExecution(accountSid, sid)
      if (e === undefined || e.execution.status !== 'active' || e.waitKind !== 'run') return
    }
  }

  /** Runs a widget; a Liquid error takes the widget's failure event when it has one, else ends the execution. */
  async function runWidget (e: EngineExecution, state: State, context: JsonObject): Promise<Outcome> {
    const [{ WIDGETS, OTHER_WIDGET }, { StudioTemplateError, renderTemplate, renderValue }] = await loadWidgets()
    const now = clock.now()
    const renderOpts = { now }
    const env = {
      widget: state.widget,
      name: state.name,
      type: state.type,
      flowSid: e.execution.flowSid,
      context,
      now,
      render: (template: unknown) => typeof template === 'string' ? renderTemplate(template, context, renderOpts) : template === undefined || template === null ? '' : String(template),
      renderValue: <T>(value: T): T => renderValue(value, context, renderOpts),
      send: (entry: OutboxEntry) => {
        const outboxSid = newSid(entry.prefix ?? 'MM')
        store.insertMessage({
          sid: outboxSid,
          accountSid: e.execution.accountSid,
          flowSid: e.execution.flowSid,
          executionSid: e.execution.sid,
          widget: state.name,
          widgetType: state.type,
          kind: entry.kind,
          to: entry.to ?? null,
          from: entry.from ?? null,
          body: entry.body ?? null,
          detail: entry.detail,
          dateCreated: now
        })
        return outboxSid
      },
      http,
      choice: () => choices.take(e.execution.flowSid, state.name),
      startSubflow: (flowSid: string, revision: string, parameters: JsonObject) => startSubflow(e, flowSid, revision, parameters)
    }
    const widget = WIDGETS[state.type] ?? OTHER_WIDGET
    try {
      return await widget(env)
    } catch (err) {
      if (!(err instanceof StudioTemplateError)) throw err
      const failure = ['failed', 'fail', 'deliveryFailure'].find(ev => (state.widget.transitions as JsonObject[] | undefined)?.some(t => t?.event === ev))
      if (failure !== undefined) return { event: failure, publish: { error: err.message } }
      return { event: '\u0000template-error' }
    }
  }

  function publishInto (context: JsonObject, name: string, publish: JsonObject | undefined): void {
    if (publish === undefined) return
    const widgets = (context.widgets ?? {}) as JsonObject
    const existing = (widgets[name] ?? {}) as JsonObject
    widgets[name] = { ...existing, ...publish }
    context.widgets = widgets
  }

  /** Persists a wait: the widget's published variables, where it waits, until when, and its future step SID. */
  function wait (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { wait: string }>): void {
    if ('publish' in outcome) publishInto(context, state.name, outcome.publish)
    const { accountSid, flowSid, sid } = e.execution
    writer.batch(w => {
      // Ended meanwhile (over REST, while the widget ran): nothing more is written.
      if (!isActive(e)) return
      w.updateContext(accountSid, flowSid, sid, context)
      w.setRunState(accountSid, sid, {
        currentWidget: state.name,
        waitKind: outcome.wait,
        waitUntil: 'until' in outcome ? outcome.until : null,
        pendingStepSid: e.pendingStepSid,
        stepCount: e.stepCount,
        repeatWidget: e.repeatWidget,
        repeatCount: e.repeatCount
      })
    })
    if (outcome.wait === 'subflow') schedule({ accountSid, sid: outcome.childSid }, { kind: 'run' })
  }

  /**
   * Takes a transition: publishes, records the Step, moves to the next widget or ends, and applies Studio's
   * limits, all in one transaction. Returns the execution's new state when it goes on.
   */
  function transition (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { event: string }>): EngineExecution | undefined {
    const { accountSid, flowSid, sid } = e.execution
    if (outcome.event === '\u0000template-error') {
      writer.end(accountSid, flowSid, sid, 'ERROR')
      afterEnd(e)
      return undefined
    }
    publishInto(context, state.name, outcome.publish)
    if (outcome.variables !== undefined) {
      const flow = (context.flow ?? {}) as JsonObject
      flow.variables = { ...((flow.variables ?? {}) as JsonObject), ...outcome.variables }
      context.flow = flow
    }
    const next = outcome.transition !== undefined
      ? (typeof outcome.transition.next === 'string' && outcome.transition.next !== '' ? outcome.transition.next : undefined)
      : nextOf(state.widget, outcome.event)
    const stepCount = e.stepCount + 1
    const repeatCount = next !== undefined && next === e.repeatWidget ? e.repeatCount + 1 : 1
    let ended: EndedReason | undefined
    if (next === undefined) ended = 'FLOW_END'
    else if (stepCount >= MAX_STEPS) ended = 'STEP_LIMIT'
    else if (repeatCount > MAX_REPEATS) ended = 'LOOP_LIMIT'
    let stillActive = true
    writer.batch((w: WriteBatch) => {
      // Ended meanwhile (over REST, while the widget ran): the transition is not taken.
      stillActive = isActive(e)
      if (!stillActive) return
      w.recordStep(accountSid, flowSid, sid, {
        sid: e.pendingStepSid ?? newSid('FT'),
        parentStepSid: e.parentStepSid,
        name: outcome.event,
        transitionedFrom: state.name,
        transitionedTo: next ?? 'Ended',
        type: state.type,
        context: structuredClone(context),
        now: clock.now()
      })
      w.updateContext(accountSid, flowSid, sid, context)
      if (ended !== undefined) {
        w.end(accountSid, flowSid, sid, ended)
        return
      }
      w.setRunState(accountSid, sid, {
        currentWidget: next ?? null,
        waitKind: 'run',
        waitUntil: null,
        pendingStepSid: null,
        stepCount,
        repeatWidget: next ?? null,
        repeatCount
      })
    })
    if (!stillActive) return undefined
    if (ended !== undefined) {
      afterEnd(e)
      return undefined
    }
    return store.getEngineExecution(accountSid, sid)
  }

  function isActive (e: EngineExecution): boolean {
    return store.getExecution(e.execution.accountSid, e.execution.flowSid, e.execution.sid)?.status === 'active'
  }

  /** Starts a subflow's execution: the child flow's revision, the parent's contact, trigger.parent.parameters. */
  function startSubflow (parent: EngineExecution, flowSid: string, revisionText: string, parameters: JsonObject): { childSid: string } | { error: string } {
    const { accountSid } = parent.execution
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) return { error: `subflow ${flowSid} not found` }
    const which = revisionText === 'LatestPublished' || revisionText === 'LatestRevision' ? revisionText : Number(revisionText)
    const revision = typeof which === 'number' && !Number.isInteger(which) ? undefined : store.getRevision(accountSid, flowSid, which)
    if (revision === undefined) return { error: `subflow ${flowSid} has no revision ${revisionText}` }
    const childSid = newSid('FN')
    const stepSid = parent.pendingStepSid ?? newSid('FT')
    const now = clock.now()
    const parentContext = store.getExecutionContext(accountSid, parent.execution.flowSid, parent.execution.sid)?.context ?? {}
    const to = parent.execution.contactChannelAddress
    const from = parent.execution.fromAddress
    const context: JsonObject = {
      flow: { flow_sid: flowSid, sid: childSid, channel: { address: from }, data: {}, variables: {} },
      contact: parentContext.contact ?? { channel: { address: to } },
      trigger: { parent: { parameters, flow_sid: parent.execution.flowSid, execution_sid: parent.execution.sid, step_sid: stepSid } },
      widgets: {}
    }
    const startWidget = revision.definition.initial_state
    const result = writer.batch(w => {
      const created = w.create(accountSid, flow, {
        sid: childSid, contactSid: contactSid(accountSid, to), to, from, flowRevision: revision.revision, initiatedBy: parent.execution.sid, context, now
      })
      if (created.outcome !== 'created') return created
      store.setParent(accountSid, childSid, parent.execution.sid, stepSid)
      w.setRunState(accountSid, childSid, { currentWidget: typeof startWidget === 'string' ? startWidget : 'Trigger', waitKind: 'run', waitUntil: null, pendingStepSid: null, stepCount: 0, repeatWidget: null, repeatCount: 0 })
      // The parent's run-subflow step gets this SID when it completes; the child's steps name it meanwhile.
      w.setRunState(accountSid, parent.execution.sid, { currentWidget: parent.currentWidget, waitKind: parent.waitKind, waitUntil: parent.waitUntil, pendingStepSid: stepSid, stepCount: parent.stepCount, repeatWidget: parent.repeatWidget, repeatCount: parent.repeatCount })
      return created
    })
    if (result.outcome !== 'created') return { error: `the contact already has an active execution (${result.execution.sid}) in subflow ${flowSid}` }
    parent.pendingStepSid = stepSid
    return { childSid }
  }

  /** After any end: a subflow's parent resumes. */
  function afterEnd (e: EngineExecution): void {
    if (e.parentExecutionSid !== null) schedule({ accountSid: e.execution.accountSid, sid: e.parentExecutionSid }, { kind: 'subflow-ended', childSid: e.execution.sid })
  }

  /** Called when an execution ended outside the engine (REST Status=ended): its parent, if any, resumes. */
  function executionEnded (accountSid: string, sid: string): void {
    const e = store.getEngineExecution(accountSid, sid)
    if (e !== undefined) afterEnd(e)
  }

  /** Starts running a new execution from its Trigger (after the create has answered). */
  function started (accountSid: string, sid: string): void {
    // Counted as in flight from now, so that idle() waits for it though it runs after the response.
    inFlight++
    setImmediate(() => {
      schedule({ accountSid, sid }, { kind: 'run' })
      settle()
    })
  }

  function settle (): void {
    inFlight--
    if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve()
  }

  /** Fires due timeouts and ends executions older than 30 days, on the emulator's clock. */
  function tick (): void {
    if (stopped) return
    const now = clock.now()
    for (const ref of store.executionsWithDueWaits(now, 500)) schedule(ref, { kind: 'timeout' })
    expire(store.activeExecutionsCreatedBefore(now - MAX_AGE_MS, 200))
  }

  /** Ends executions past 30 days, a batch per transaction (a backlog is worked off over a few ticks). */
  function expire (refs: ExecutionRef[]): void {
    if (refs.length === 0) return
    const ended = writer.batch(w => refs.filter(ref => w.end(ref.accountSid, ref.flowSid, ref.sid, 'EXPIRED').outcome === 'ended'))
    for (const ref of ended) executionEnded(ref.accountSid, ref.sid)
  }

  /** Picks up executions that have work to do (left mid-run by a previous process, or imported). */
  function resume (): void {
    for (const ref of store.executionsWithWork(10_000)) schedule(ref, { kind: 'run' })
    tick()
  }

  /** Resumes what a previous process left, and starts the real-time ticker. */
  function start (): void {
    resume()
    ticker = setInterval(tick, deps.tickMs ?? 1000)
    ticker.unref()
  }

  /** Stops taking work; waits briefly for jobs in progress (a slow HTTP widget is abandoned and rerun at the next start). */
  async function stop (): Promise<void> {
    stopped = true
    if (ticker !== undefined) clearInterval(ticker)
    await Promise.race([Promise.allSettled([...chains.values()]), new Promise(resolve => setTimeout(resolve, 2000).unref())])
  }

  return { schedule, started, idle, tick, resume, start, stop, executionEnded }
}
