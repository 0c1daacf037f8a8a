// The flow engine: advances executions through their flow revision's widgets, one Step per transition taken. The
// parts, each its own module: job chains (scheduler.ts), what a transition or wait writes (recorder.ts), subflows
// (subflows.ts) and Studio's limits (limits.ts); this file runs widgets and wires them together.
// It imports no Fastify: HTTP routes and the control API drive it through this module's functions.
import type { Clock } from '../clock.js'
import type { EngineExecution, ExecutionRef } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import type { ExecutionWriter } from '../studio/execution-writer.js'
import { FINISHES_AFTER_END, RUNS_AFTER_END, choosableEvents } from '../studio/widget-types.js'
import { newSid } from '../twilio/sid.js'
import { twilioSignature } from '../twilio/signature.js'
import type { HttpMapping, JsonObject, Logger } from '../types.js'
import type { WidgetChoice, WidgetChoices } from './choices.js'
import { HTTP_MAX_RESPONSE_BYTES, HTTP_TIMEOUT_MS, HttpFailure, httpRequest, mapUrl, type HttpRequest, type HttpResponse } from './http.js'
import { MAX_AGE_MS, MAX_STEPS } from './limits.js'
import { createRecorder, type Effect, type PreparedTransition, type RecorderHooks, type State } from './recorder.js'
import { createScheduler, type ExecutionKey, type Job } from './scheduler.js'
import { createSubflows } from './subflows.js'
import { LIVE_CALL_STATUSES } from '../db/calls.js'
import type { CallReport, CallView, NewCall, Outcome, OutboxEntry, WidgetEnv } from './widget-env.js'
import { declaredEvents } from './widget-env.js'

/**
 * The widgets and Liquid (liquidjs) load on the first widget run, not at startup: an emulator that only stores
 * executions starts faster (bench/README.md, startup).
 */
let widgetModules: Promise<[typeof import('./widgets.js'), typeof import('./liquid.js')]> | undefined
async function loadWidgets () {
  widgetModules ??= Promise.all([import('./widgets.js'), import('./liquid.js')])
  return await widgetModules
}

/** What a widget's run did that its failure line names: the test's choice it took, why its request got no answer. */
interface RunNotes {
  choice?: WidgetChoice | undefined
  noAnswer?: string
}

/**
 * Widgets that answer at once (no wait, no request, no call): a run of their transitions is taken in memory and
 * written in ONE transaction when the run stops (at any other widget, a wait, the end, or MAX_CHAIN steps). Studio
 * runs them back to back too; a crash before that commit leaves none of the run, and the engine takes it again.
 */
const CHAINED: ReadonlySet<string> = new Set(['trigger', 'set-variables', 'split-based-on', 'send-message'])
const MAX_CHAIN = 50

/** A widget's Liquid failed and it has no failure event: the execution ends (ERROR). */
const TEMPLATE_ERROR = '\u0000template-error'

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
  /** Test hooks (fault injection inside a transition's transaction). */
  hooks?: RecorderHooks
  /** STUDIO_HTTP_MAP: offline stand-ins for the URLs HTTP widgets call. */
  httpMap?: readonly HttpMapping[]
  /** The auth token requests to Functions are signed with (X-Twilio-Signature); undefined for an account without one. */
  authTokenOf?: (accountSid: string) => string | undefined
}

/** Widgets whose requests go to Twilio Functions, which Twilio signs (X-Twilio-Signature). */
const SIGNED_WIDGETS: ReadonlySet<string> = new Set(['run-function', 'run-function-v2'])

export type FlowRuntime = ReturnType<typeof createFlowRuntime>

export function createFlowRuntime (deps: RuntimeDeps) {
  const { store, writer, clock, choices } = deps
  const limits = { timeoutMs: deps.httpTimeoutMs ?? HTTP_TIMEOUT_MS, maxBytes: HTTP_MAX_RESPONSE_BYTES }
  const http = deps.http ?? (async (req: HttpRequest) => await httpRequest(req, limits))
  const scheduler = createScheduler(advance, deps.log)
  const recorder = createRecorder({ store, writer, clock, hooks: deps.hooks })
  const subflows = createSubflows({ store })
  let ticker: NodeJS.Timeout | undefined
  const mappingsLogged = new Set<HttpMapping>()

  /**
   * The request as it leaves: its URL through STUDIO_HTTP_MAP (each mapping logged the first time it applies), and
   * for a Function the X-Twilio-Signature of the URL actually requested with its form parameters.
   */
  function outgoing (req: HttpRequest, accountSid: string, widgetType: string): HttpRequest {
    const { url, mapping } = mapUrl(req.url, deps.httpMap ?? [])
    if (mapping !== undefined && !mappingsLogged.has(mapping)) {
      mappingsLogged.add(mapping)
      deps.log.info({ prefix: mapping.prefix, base: mapping.base }, `STUDIO_HTTP_MAP: HTTP widget requests to ${mapping.prefix}… go to ${mapping.base}…`)
    }
    const token = SIGNED_WIDGETS.has(widgetType) ? deps.authTokenOf?.(accountSid) : undefined
    if (token === undefined) return { ...req, url }
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') && req.body !== undefined
    const params = form ? new URLSearchParams(req.body).entries() : []
    return { ...req, url, headers: { ...req.headers, 'x-twilio-signature': twilioSignature(token, url, params) } }
  }

  function stateOf (definition: JsonObject, name: string | null): State | undefined {
    if (name === null) return undefined
    const states = Array.isArray(definition.states) ? definition.states as JsonObject[] : []
    const widget = states.find(s => s?.name === name)
    return widget === undefined ? undefined : { name, type: String(widget.type), widget }
  }

  /** The event the Trigger takes, from what started the execution. */
  function triggerEvent (context: JsonObject): string {
    const trigger = (context.trigger ?? {}) as JsonObject
    if (trigger.message !== undefined) return 'incomingMessage'
    if (trigger.parent !== undefined) return 'incomingParent'
    if (trigger.call !== undefined) return 'incomingCall'
    if (trigger.conversation !== undefined) return 'incomingConversationMessage'
    return 'incomingRequest'
  }

  /**
   * The outcome a job brings to an execution's current widget; undefined when the job no longer applies. A report
   * from the call is handed to the voice widget waiting on it (`report`), which decides its event.
   */
  function resumedOutcome (e: EngineExecution, job: Job): Outcome | { report: CallReport, hangup: boolean } | null | undefined {
    switch (job.kind) {
      case 'run': return e.waitKind === 'run' ? null : undefined
      case 'reply': return e.waitKind === 'reply' ? { event: 'incomingMessage', publish: { inbound: job.inbound } } : undefined
      case 'timeout':
        if (e.waitUntil === null || e.waitUntil > clock.now() || (e.waitKind !== 'reply' && e.waitKind !== 'call')) return undefined
        if (e.waitKind === 'call') return { report: { event: e.waitEvent ?? 'timeout', fields: {} }, hangup: false }
        return { event: e.waitEvent ?? 'timeout' }
      case 'subflow-ended': return e.waitKind === 'subflow' ? subflows.endedOutcome(e.execution.accountSid, job.childSid) : undefined
      // A report for another wait (an older FlowStep) changes nothing: the call gets the TwiML it should follow now.
      case 'call': return e.waitKind === 'call' && (job.step === null || job.step === e.stepCount) ? { report: { event: job.event, fields: job.fields }, hangup: false } : undefined
      // The caller hung up: a widget waiting on the call takes `hangup` if it has it; anything else ends the execution.
      case 'hangup': return e.waitKind === 'call' ? { report: { event: 'hangup', fields: job.fields }, hangup: true } : { end: 'CALL_ENDED' }
    }
  }

  /**
   * Where the execution runs now: its own flow, or the subflow running inside it (a frame whose widget is set). A
   * frame whose subflow has finished hands its outcome to the run-subflow widget of the execution's own flow.
   */
  function levelOf (e: EngineExecution, own: { definition: JsonObject, context: JsonObject }): { inFrame: boolean, definition: JsonObject, context: JsonObject, widget: string | null } | undefined {
    if (e.frame === null || e.frame.widget === null) return { inFrame: false, ...own, widget: e.currentWidget }
    const definition = store.getRevision(e.execution.accountSid, e.frame.flowSid, e.frame.revision)?.definition
    return definition === undefined ? undefined : { inFrame: true, definition, context: e.frame.context, widget: e.frame.widget }
  }

  async function advance (ref: ExecutionKey, job: Job): Promise<void> {
    const { accountSid, sid } = ref
    const start = store.read(() => {
      const found = store.getEngineExecutionWithContext(accountSid, sid)
      if (found === undefined) return undefined
      const { e, context } = found
      if (e.execution.status !== 'active' || e.flowOrigin === 'auto') return undefined
      const definition = store.getRevision(accountSid, e.execution.flowSid, e.execution.flowRevision)?.definition
      return definition === undefined ? undefined : { e, own: { definition, context } }
    })
    if (start === undefined) return
    let e = start.e
    const own = start.own

    // A job that resumes a wait applies only while the execution still waits for that.
    const resumed = resumedOutcome(e, job)
    if (resumed === undefined) return
    let report = resumed !== null && 'report' in resumed ? resumed : undefined
    let outcome: Outcome | undefined = resumed === null || 'report' in resumed ? undefined : resumed
    // The outcome a job brought (a reply, a timeout, a subflow's end) is a transition like an instant widget's: it
    // joins the chain of the instant widgets after it.
    let broughtByJob = outcome !== undefined
    // Ended over REST while an HTTP widget waited for its answer: the request finishes and the flow goes on, recording
    // its Steps, up to the next widget that would message or call the contact.
    let finishing = false
    // Transitions of instant widgets taken in memory and not written yet (see CHAINED).
    let chain: PreparedTransition[] = []
    /**
     * Writes the chain; false when the execution was ended meanwhile (then nothing of it is written) or, read again
     * after the commit (`reread`), no longer runs.
     */
    const flush = async (reread = true): Promise<boolean> => {
      if (chain.length === 0) return true
      const run = chain
      chain = []
      if (!await recorder.commit(run)) return false
      // As after any transition: whatever came in meanwhile (an end over REST) is seen before the next widget runs.
      return !reread || stillRunning()
    }
    /** Reads the execution again; false when it no longer runs (ended, or waiting now). */
    const stillRunning = (): boolean => {
      const now = store.getEngineExecution(accountSid, sid)
      if (now === undefined || now.execution.status !== 'active' || now.waitKind !== 'run') return false
      e = now
      return true
    }

    for (let guard = 0; guard <= MAX_STEPS; guard++) {
      if (scheduler.isStopped()) return
      let level = levelOf(e, own)
      let state = level === undefined ? undefined : stateOf(level.definition, level.widget)
      if (chain.length > 0 && (level === undefined || state === undefined || level.inFrame || !CHAINED.has(state.type) || report !== undefined || finishing)) {
        if (!await flush()) return
        level = levelOf(e, own)
        state = level === undefined ? undefined : stateOf(level.definition, level.widget)
      }
      if (level === undefined || state === undefined) {
        // A subflow that cannot go on fails its run-subflow widget; the execution's own flow ends.
        if (level?.inFrame === true || (level === undefined && e.frame !== null)) {
          if (!recorder.failFrame(e)) return
        } else {
          if (recorder.end(e, 'ERROR')) afterEnd(e)
          return
        }
      } else {
        const effects: Effect[] = []
        if (report !== undefined) {
          outcome = await resumeWidget(e, state, level.context, report, effects)
          report = undefined
          if (outcome === undefined) return
        }
        if (outcome === undefined && !level.inFrame && e.frame !== null) outcome = subflows.finishedOutcome(e)
        if (outcome === undefined) {
          outcome = state.type === 'trigger'
            ? { event: level.inFrame ? 'incomingParent' : triggerEvent(level.context) }
            : await runWidget(e, state, level.context, effects)
          if (scheduler.isStopped()) return
          if (!finishing && !level.inFrame && FINISHES_AFTER_END.has(state.type) && endedByApi(e)) finishing = true
        }
        // Anything but a transition writes on its own, after the chain before it.
        if (chain.length > 0 && ('end' in outcome || 'wait' in outcome || outcome.event === TEMPLATE_ERROR) && !await flush()) return
        if ('end' in outcome) {
          if (!finishing && recorder.end(e, outcome.end)) afterEnd(e)
          return
        }
        if (finishing) {
          if ('wait' in outcome || outcome.event === TEMPLATE_ERROR) return
          const result = await recorder.transition(e, state, level.context, outcome, effects, false, true)
          if (result.kind !== 'next') return
          e = result.execution
          const next = stateOf(level.definition, e.currentWidget)
          if (next === undefined || !RUNS_AFTER_END.has(next.type)) return
          outcome = undefined
          continue
        }
        if ('wait' in outcome) {
          // A run-subflow hands over to its subflow, which runs at once; any other wait ends this job.
          if (!recorder.wait(e, state, level.context, outcome, effects, level.inFrame) || outcome.wait !== 'subflow') return
        } else if (outcome.event === TEMPLATE_ERROR) {
          if (level.inFrame) {
            if (!recorder.failFrame(e)) return
          } else {
            if (recorder.end(e, 'ERROR')) afterEnd(e)
            return
          }
        } else if (!level.inFrame && (CHAINED.has(state.type) || broughtByJob)) {
          // An instant widget's transition joins the chain; the next widget runs at once, from memory.
          const p = recorder.prepare(e, state, level.context, outcome, effects)
          chain.push(p)
          broughtByJob = false
          if (p.result.kind === 'next' && chain.length < MAX_CHAIN) {
            e = p.result.execution
            outcome = undefined
            continue
          }
          if (p.result.kind === 'ended') {
            if (await flush(false)) afterEnd(e)
            return
          }
          if (!await flush()) return
        } else {
          const result = await recorder.transition(e, state, level.context, outcome, effects, level.inFrame)
          if (result.kind === 'ended') afterEnd(e)
          if (result.kind !== 'next') return
        }
      }
      outcome = undefined
      broughtByJob = false
      // Let HTTP requests in between long runs of quick widgets.
      await new Promise(resolve => setImmediate(resolve))
      if (!stillRunning()) return
    }
  }

  /**
   * What a widget may use (widget-env.ts). What it sends, starts and places is collected in `effects`, written with
   * its transition or wait.
   */
  function widgetEnv (e: EngineExecution, state: State, context: JsonObject, effects: Effect[], liquid: Awaited<ReturnType<typeof loadWidgets>>[1], seen: RunNotes = {}): WidgetEnv {
    const { renderTemplate, renderValue } = liquid
    const now = clock.now()
    const renderOpts = { now }
    const { accountSid, flowSid, sid: executionSid } = e.execution
    let call: CallView | null | undefined
    return {
      widget: state.widget,
      name: state.name,
      type: state.type,
      flowSid,
      accountSid,
      context,
      now,
      step: e.stepCount,
      render: (template: unknown) => typeof template === 'string' ? renderTemplate(template, context, renderOpts) : template === undefined || template === null ? '' : String(template),
      renderValue: <T>(value: T): T => renderValue(value, context, renderOpts),
      send: (entry: OutboxEntry) => {
        const record = {
          sid: newSid(entry.prefix ?? 'MM'),
          accountSid,
          flowSid,
          executionSid,
          widget: state.name,
          widgetType: state.type,
          kind: entry.kind,
          to: entry.to ?? null,
          from: entry.from ?? null,
          body: entry.body ?? null,
          detail: entry.detail,
          dateCreated: now
        }
        effects.push(() => store.insertMessage(record))
        return record.sid
      },
      http: async (req: HttpRequest) => {
        try {
          return await http(outgoing(req, accountSid, state.type))
        } catch (err) {
          if (err instanceof HttpFailure) seen.noAnswer = err.message
          throw err
        }
      },
      choice: () => (seen.choice = choices.take(flowSid, state.name)),
      startSubflow: (subflowSid: string, revision: string, parameters: JsonObject) => {
        const planned = subflows.plan(e, context, subflowSid, revision, parameters)
        if ('error' in planned) return planned
        effects.push(planned.effect)
        return { started: true as const }
      },
      call: () => {
        if (call === undefined) {
          const c = store.callOfExecution(accountSid, executionSid)
          call = c === undefined ? null : { sid: c.sid, direction: c.direction, from: c.from, to: c.to, status: c.status, live: LIVE_CALL_STATUSES.has(c.status) }
        }
        return call ?? undefined
      },
      placeCall: (c: NewCall) => {
        const sid = newSid('CA')
        // The call of the execution's own flow (a subflow's call is its parent's).
        const record = { accountSid, sid, flowSid: e.execution.flowSid, executionSid, direction: 'outbound-api' as const, from: c.from, to: c.to, status: c.status, answeredBy: c.answeredBy, twiml: null, twimlStep: null, dateCreated: now, dateUpdated: now }
        effects.push(() => store.insertCall(record))
        call = { sid, direction: record.direction, from: c.from, to: c.to, status: c.status, live: LIVE_CALL_STATUSES.has(c.status) }
        return sid
      }
    }
  }

  /** The writes an outcome asks of the execution's call: the TwiML it now follows, its new status. */
  function callEffects (e: EngineExecution, env: WidgetEnv, outcome: Outcome, effects: Effect[]): void {
    const twimlToFollow = 'wait' in outcome && outcome.wait === 'call' && outcome.twiml !== undefined
    const newStatus = 'callStatus' in outcome && outcome.callStatus !== undefined
    // Most outcomes ask nothing of a call: the execution's call is read only when one does.
    if (!twimlToFollow && !newStatus) return
    const call = env.call()
    if (call === undefined) return
    const ref = { accountSid: e.execution.accountSid, sid: call.sid, flowSid: e.execution.flowSid }
    const now = env.now
    if (twimlToFollow) {
      const twiml = (outcome as { twiml: unknown }).twiml as JsonObject[]
      effects.push(() => store.setCallTwiml(ref, twiml, e.stepCount, now))
    }
    if (newStatus) {
      const { status, answeredBy } = (outcome as Extract<Outcome, { callStatus?: unknown }>).callStatus!
      effects.push(() => store.setCallStatus(ref, status, now, answeredBy ?? null))
    }
  }

  /**
   * Runs a widget. A Liquid error takes the widget's failure event when it has one, else ends the execution.
   */
  async function runWidget (e: EngineExecution, state: State, context: JsonObject, effects: Effect[]): Promise<Outcome> {
    const modules = await loadWidgets()
    const [{ WIDGETS, OTHER_WIDGET }, { StudioTemplateError }] = modules
    const seen: RunNotes = {}
    const env = widgetEnv(e, state, context, effects, modules[1], seen)
    const widget = WIDGETS[state.type] ?? OTHER_WIDGET
    try {
      const outcome = await widget(env)
      callEffects(e, env, outcome, effects)
      logFailure(e, state, outcome, seen)
      return outcome
    } catch (err) {
      if (!(err instanceof StudioTemplateError)) throw err
      const failure = ['failed', 'fail', 'deliveryFailure'].find(ev => (state.widget.transitions as JsonObject[] | undefined)?.some(t => t?.event === ev))
      deps.log.warn({ execution: e.execution.sid, flow: e.execution.flowSid, widget: state.name, type: state.type }, `widget ${state.name} (${state.type}) failed: ${err.message}${failure === undefined ? '; it has no failure transition, so the execution ends' : `; it takes ${failure}`}`)
      if (failure !== undefined) return { event: failure, publish: { error: err.message } }
      return { event: TEMPLATE_ERROR }
    }
  }

  /**
   * A widget that took its failure event logs one line saying why: the test's choice it took, what it could not send,
   * the HTTP answer it got, or why its request got none.
   */
  function logFailure (e: EngineExecution, state: State, outcome: Outcome, seen: RunNotes): void {
    if (!('event' in outcome) || !['failed', 'fail', 'deliveryFailure'].includes(outcome.event)) return
    const p = outcome.publish ?? {}
    // A choice is applied only when its event is one this widget can be chosen to take (widget-env.ts, chosenFor).
    const chosen = seen.choice !== undefined && seen.choice.event === outcome.event && choosableEvents(state.type, declaredEvents(state.widget)).includes(seen.choice.event)
    const why = chosen
      ? 'a test chose it (POST /__emulator/widget-events)'
      : typeof p.error === 'string'
        ? p.error
        : typeof p.status_code === 'number'
          ? `the request was answered ${p.status_code}`
          : seen.noAnswer !== undefined ? `no answer: ${seen.noAnswer}` : 'no reason given (its Step and the outbox show what it did)'
    deps.log.warn({ execution: e.execution.sid, flow: e.execution.flowSid, widget: state.name, type: state.type, event: outcome.event }, `widget ${state.name} (${state.type}) took ${outcome.event}: ${why}`)
  }

  /**
   * What a voice widget waiting on the call takes from its report; undefined when the report is not for it. The
   * caller hanging up takes the widget's `hangup` where it has one, and otherwise ends the execution.
   */
  async function resumeWidget (e: EngineExecution, state: State, context: JsonObject, r: { report: CallReport, hangup: boolean }, effects: Effect[]): Promise<Outcome | undefined> {
    if (r.hangup) return declaredEvents(state.widget).includes('hangup') ? { event: 'hangup', publish: { ...r.report.fields } } : { end: 'CALL_ENDED' }
    const modules = await loadWidgets()
    const env = widgetEnv(e, state, context, effects, modules[1])
    const outcome = modules[0].resumeWidget(env, r.report)
    if (outcome !== undefined) callEffects(e, env, outcome, effects)
    return outcome
  }

  /** Whether the execution was ended over REST (since its job began). */
  function endedByApi (e: EngineExecution): boolean {
    return store.getExecution(e.execution.accountSid, e.execution.flowSid, e.execution.sid)?.endedReason === 'ENDED_BY_API'
  }

  /** After any end: a subflow's parent resumes. */
  function afterEnd (e: EngineExecution): void {
    if (e.parentExecutionSid !== null) scheduler.schedule({ accountSid: e.execution.accountSid, sid: e.parentExecutionSid }, { kind: 'subflow-ended', childSid: e.execution.sid })
  }

  /** Called when an execution ended outside the engine (REST Status=ended): its parent, if any, resumes. */
  function executionEnded (accountSid: string, sid: string): void {
    const e = store.getEngineExecution(accountSid, sid)
    if (e !== undefined) afterEnd(e)
  }

  /** Starts running a new execution from its Trigger (after the create has answered). */
  function started (accountSid: string, sid: string): void {
    scheduler.started({ accountSid, sid })
  }

  /** Fires due timeouts and ends executions older than 30 days, on the emulator's clock. */
  function tick (): void {
    if (scheduler.isStopped()) return
    const now = clock.now()
    for (const ref of store.executionsWithDueWaits(now, 500)) scheduler.schedule(ref, { kind: 'timeout' })
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
    for (const ref of store.executionsWithWork(10_000)) scheduler.schedule(ref, { kind: 'run' })
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
    if (ticker !== undefined) clearInterval(ticker)
    await scheduler.stop()
  }

  return { schedule: scheduler.schedule, started, idle: scheduler.idle, tick, resume, start, stop, executionEnded }
}
