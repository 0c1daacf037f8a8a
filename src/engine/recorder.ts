// Records what a widget run did: a transition (its Step, the Context, the widget's side effects, the next widget or
// the end) or a wait, each in ONE transaction with its events. A crash before the commit leaves nothing of it, so
// the widget reruns after a restart; after the commit everything of it is there exactly once.
import type { EngineExecution } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import type { ExecutionWriter, WriteBatch } from '../studio/execution-writer.js'
import { nextState } from '../studio/flow-definition.js'
import type { Clock } from '../clock.js'
import { newSid } from '../twilio/sid.js'
import type { EndedReason, JsonObject } from '../types.js'
import { countTransition } from './limits.js'
import type { Outcome } from './widgets.js'

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

  /** Persists a wait: the widget's effects and published variables, where it waits, until when. False when gone. */
  function wait (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { wait: string }>, effects: readonly Effect[]): boolean {
    if ('publish' in outcome) publishInto(context, state.name, outcome.publish)
    const { accountSid, flowSid, sid } = e.execution
    return writer.batch(w => {
      if (!isActive(e)) return false
      for (const effect of effects) effect(w)
      w.updateContext(accountSid, flowSid, sid, context)
      w.setRunState(accountSid, sid, {
        currentWidget: state.name,
        waitKind: outcome.wait,
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
   * Takes a transition: publishes, applies the widget's effects, records the Step, moves to the next widget or
   * ends (at the flow's end or one of Studio's limits), all in one transaction.
   */
  function transition (e: EngineExecution, state: State, context: JsonObject, outcome: Extract<Outcome, { event: string }>, effects: readonly Effect[]): TransitionResult {
    const { accountSid, flowSid, sid } = e.execution
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
    const taken = writer.batch((w: WriteBatch) => {
      if (!isActive(e)) return false
      for (const effect of effects) effect(w)
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
      if (counts.ended !== undefined) w.end(accountSid, flowSid, sid, counts.ended)
      else {
        w.setRunState(accountSid, sid, {
          currentWidget: next ?? null,
          waitKind: 'run',
          waitUntil: null,
          waitEvent: null,
          pendingStepSid: null,
          stepCount: counts.stepCount,
          repeatWidget: next ?? null,
          repeatCount: counts.repeatCount
        })
      }
      hooks?.beforeCommit?.(e, state)
      return true
    })
    if (!taken) return { kind: 'gone' }
    if (counts.ended !== undefined) return { kind: 'ended', reason: counts.ended }
    const after = store.getEngineExecution(accountSid, sid)
    return after === undefined ? { kind: 'gone' } : { kind: 'next', execution: after }
  }

  /** Ends the execution without a transition (a widget that is gone, a Liquid error with no failure event). */
  function end (e: EngineExecution, reason: EndedReason): boolean {
    return writer.end(e.execution.accountSid, e.execution.flowSid, e.execution.sid, reason).outcome === 'ended'
  }

  return { wait, transition, end }
}
