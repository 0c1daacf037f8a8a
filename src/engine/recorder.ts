// Records what a widget run did: a transition (its Step, the Context, the widget's side effects, the next widget or
// the end) or a wait, each in ONE transaction with its events. A crash before the commit leaves nothing of it, so
// the widget reruns after a restart; after the commit everything of it is there exactly once.
import type { EngineExecution, Frame, RunState } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import type { NewStep } from '../db/executions.js'
import type { ExecutionWriter, WriteBatch } from '../studio/execution-writer.js'
import { nextState } from '../studio/flow-definition.js'
import type { Clock } from '../clock.js'
import { newSid } from '../twilio/sid.js'
import type { EndedReason, JsonObject } from '../types.js'
import { countTransition } from './limits.js'
import type { Outcome } from './widgets.js'

/** Thrown inside a run's savepoint when its execution was ended meanwhile (preallocated: no stack to capture). */
const GONE = new Error('the execution was ended meanwhile')

/** The widget an execution is at. */
export interface State {
  name: string
  type: string
  widget: JsonObject
}

/** A write a widget asked for (a message sent, a subflow started), applied in the transaction of its outcome. */
export type Effect = (w: WriteBatch) => void

export interface RecorderHooks {
  /** Test hook: runs inside a transition's or wait's transaction after all its writes, before the commit (a throw rolls it back). */
  beforeCommit?: (e: EngineExecution, state: State) => void
}

export type TransitionResult =
  | { kind: 'next', execution: EngineExecution }
  | { kind: 'ended', reason: EndedReason }
  /** Ended meanwhile (over REST, while the widget ran): nothing was written. */
  | { kind: 'gone' }

export interface PreparedTransition {
  e: EngineExecution
  state: State
  context: JsonObject
  effects: readonly Effect[]
  inFrame: boolean
  afterEnd: boolean
  next: string | undefined
  ended: EndedReason | undefined
  step: NewStep
  runState: Omit<RunState, 'parentExecutionSid' | 'parentStepSid'>
  /** What the transition does to the execution once written. */
  result: TransitionResult
}

export type Recorder = ReturnType<typeof createRecorder>

export function createRecorder (deps: { store: Store, writer: ExecutionWriter, clock: Clock, hooks?: RecorderHooks | undefined }) {
  const { store, writer, clock, hooks } = deps

  function isActive (e: EngineExecution): boolean {
    return store.getExecution(e.execution.accountSid, e.execution.flowSid, e.execution.sid)?.status === 'active'
  }

  /** Merges a widget's published variables into widgets.<name>. */
  function publishInto (context: JsonObject, name: string, publish: JsonObject | undefined): void {
    if (publish === undefined) return
    const widgets = (context.widgets ?? {}) as JsonObject
    const existing = (widgets[name] ?? {}) as JsonObject
    widgets[name] = { ...existing, ...publish }
    context.widgets = widgets
  }

  /**
   * Where a widget's context and position are kept: the execution's own Context, or (inside a subflow) the frame
   * on the execution's row, whose widget moves while the execution stays at its run-subflow widget.
   */
  function keep (w: WriteBatch, e: EngineExecution, inFrame: boolean, widget: string | null, context: JsonObject): void {
    const { accountSid, flowSid, sid } = e.execution
    if (inFrame) store.setFrame(accountSid, sid, { ...(e.frame as Frame), widget, context })
    else w.updateContext(accountSid, flowSid, sid, context)
  }

  /**
   * Persists a wait: the widget's effects and published variables, where it waits, until when. A run-subflow
   * widget's "wait" is the hand-over to its subflow (its effect writes the frame), which has work at once. False when gone.
   */
  function wait (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { wait: string }>, effects: readonly Effect[], inFrame = false): boolean {
    if ('publish' in outcome) publishInto(context, state.name, outcome.publish)
    const { accountSid, sid } = e.execution
    return writer.batch(w => {
      if (!isActive(e)) return false
      for (const effect of effects) effect(w)
      keep(w, e, inFrame, state.name, context)
      w.setRunState(accountSid, sid, {
        currentWidget: inFrame ? e.currentWidget : state.name,
        waitKind: outcome.wait === 'subflow' ? 'run' : outcome.wait,
        waitUntil: 'until' in outcome ? outcome.until : null,
        waitEvent: 'untilEvent' in outcome ? outcome.untilEvent ?? null : null,
        pendingStepSid: e.pendingStepSid,
        stepCount: e.stepCount,
        repeatWidget: e.repeatWidget,
        repeatCount: e.repeatCount
      })
      hooks?.beforeCommit?.(e, state)
      return true
    })
  }

  /**
   * A transition worked out but not yet written: the widget's outcome published into the Context, the Step as it will
   * be recorded (its Context copied now), and where the execution goes.
   */
  function prepare (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { event: string }>, effects: readonly Effect[], inFrame = false, afterEnd = false): PreparedTransition {
    publishInto(context, state.name, outcome.publish)
    if (outcome.variables !== undefined) {
      const flow = (context.flow ?? {}) as JsonObject
      flow.variables = { ...((flow.variables ?? {}) as JsonObject), ...outcome.variables }
      context.flow = flow
    }
    const next = outcome.transition !== undefined
      ? (typeof outcome.transition.next === 'string' && outcome.transition.next !== '' ? outcome.transition.next : undefined)
      : nextState(state.widget, outcome.event)
    const counts = countTransition(e, next)
    // The end of a subflow is not the end of the execution: its run-subflow widget takes `completed` next.
    const ended = inFrame && counts.ended === 'FLOW_END' ? undefined : counts.ended
    const step = {
      // A subflow's steps name the parent's run-subflow step, which takes the pending SID when the subflow ends.
      sid: inFrame ? newSid('FT') : e.pendingStepSid ?? newSid('FT'),
      parentStepSid: inFrame ? e.pendingStepSid : e.parentStepSid,
      name: outcome.event,
      transitionedFrom: state.name,
      transitionedTo: next ?? 'Ended',
      type: state.type,
      context: JSON.stringify(context),
      now: clock.now()
    }
    const runState = {
      currentWidget: inFrame ? e.currentWidget : next ?? null,
      waitKind: 'run' as const,
      waitUntil: null,
      waitEvent: inFrame && next === undefined ? 'completed' : null,
      pendingStepSid: inFrame ? e.pendingStepSid : null,
      stepCount: counts.stepCount,
      repeatWidget: next ?? null,
      repeatCount: counts.repeatCount
    }
    let result: TransitionResult
    if (afterEnd) {
      // Ended already: where it goes on is kept in memory only (the row says ended, and stays so).
      result = next === undefined || counts.ended !== undefined ? { kind: 'gone' } : { kind: 'next', execution: { ...e, currentWidget: next, stepCount: counts.stepCount, repeatWidget: next, repeatCount: counts.repeatCount, pendingStepSid: null } }
    } else if (ended !== undefined) {
      result = { kind: 'ended', reason: ended }
    } else {
      // Where it is once written (the engine reads the row again before it yields to other work).
      result = { kind: 'next', execution: { ...e, ...runState, frame: inFrame ? { ...(e.frame as Frame), widget: next ?? null, context } : null } }
    }
    return { e, state, context, effects, inFrame, afterEnd, next, ended, step, runState, result }
  }

  /** A prepared transition's writes; `last` of a run of them also writes the Context and where the execution is. */
  function write (w: WriteBatch, p: PreparedTransition, last: boolean): void {
    const { accountSid, flowSid, sid } = p.e.execution
    for (const effect of p.effects) effect(w)
    w.recordStep(accountSid, flowSid, sid, p.step, p.e.execution.id)
    // The run-subflow widget that took its subflow's outcome leaves the subflow behind.
    if (!p.afterEnd && !p.inFrame && p.e.frame !== null) store.setFrame(accountSid, sid, null)
    if (!last) return
    keep(w, p.e, p.inFrame, p.next ?? null, p.context)
    if (p.afterEnd) return
    // Both writes apply to an active execution only: one ended meanwhile (over REST) takes back the whole run.
    const applied = p.ended !== undefined ? w.end(accountSid, flowSid, sid, p.ended).outcome === 'ended' : w.setRunState(accountSid, sid, p.runState)
    if (!applied) throw GONE
  }

  /**
   * Takes a transition: publishes, applies the widget's effects, records the Step, moves to the next widget or
   * ends (at the flow's end or one of Studio's limits), all in one transaction. Transitions of executions running at
   * the same time are group-committed (ExecutionWriter.enqueue): each in a savepoint of its own, all of one event-loop
   * turn in one commit, and each settles only after that commit, so the next widget never runs before its Step is
   * on disk.
   */
  async function transition (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { event: string }>, effects: readonly Effect[], inFrame = false, afterEnd = false): Promise<TransitionResult> {
    const p = prepare(e, state, context, outcome, effects, inFrame, afterEnd)
    return await commit([p]) ? p.result : { kind: 'gone' }
  }

  /**
   * Writes a run of prepared transitions of one execution in ONE transaction (group-committed with other
   * executions'): their Steps and effects in order, then the Context and place of the last. A crash before the
   * commit leaves none of them, so the run is taken again after a restart. False, with nothing written, when the
   * execution was ended meanwhile.
   */
  async function commit (run: readonly PreparedTransition[]): Promise<boolean> {
    const first = run[0]
    if (first === undefined) return true
    // An execution ended over REST that finishes an HTTP widget records its steps; anything else ended meanwhile,
    // nothing: its last write finds it ended and throws GONE, which rolls back the run's savepoint.
    try {
      return await writer.enqueue((w: WriteBatch) => {
        run.forEach((p, i) => {
          write(w, p, i === run.length - 1)
          hooks?.beforeCommit?.(p.e, p.state)
        })
        return true
      })
    } catch (err) {
      if (err === GONE) return false
      throw err
    }
  }

  /** A subflow that cannot go on (a widget that is gone, a Liquid error with no failure event): its run-subflow widget takes `failed`. */
  function failFrame (e: EngineExecution): boolean {
    const { accountSid, sid } = e.execution
    return writer.batch(() => {
      if (!isActive(e) || e.frame === null) return false
      store.setFrame(accountSid, sid, { ...e.frame, widget: null })
      store.setRunState(accountSid, sid, { ...runStateOf(e), waitKind: 'run', waitUntil: null, waitEvent: 'failed' })
      return true
    })
  }

  /** Ends the execution without a transition (a widget that is gone, a Liquid error with no failure event). */
  function end (e: EngineExecution, reason: EndedReason): boolean {
    return writer.end(e.execution.accountSid, e.execution.flowSid, e.execution.sid, reason).outcome === 'ended'
  }

  return { wait, prepare, transition, commit, failFrame, end }
}

function runStateOf (e: EngineExecution): Omit<RunState, 'parentExecutionSid' | 'parentStepSid'> {
  const { currentWidget, waitKind, waitUntil, waitEvent, pendingStepSid, stepCount, repeatWidget, repeatCount } = e
  return { currentWidget, waitKind, waitUntil, waitEvent, pendingStepSid, stepCount, repeatWidget, repeatCount }
}
