// Subflows (run-subflow). A subflow runs inside its parent's execution, as Studio's Subflows page says ("all the steps
// of the Subflow and parent Flow are run as a single Execution"): starting one keeps its place (a frame) on the parent's
// row, written as an Effect in the same transaction as the run-subflow widget's hand-over; when it ends, the parent's
// widget takes `completed` with the subflow's flow.variables, or `failed`. Studio runs one level of subflows.
// Executions written before subflows ran inline had a child execution of their own: endedOutcome() still answers them.
import { parseRevisionSelector } from '../db/flows.js'
import type { EngineExecution, Frame } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import { contactAt, newExecutionContext } from '../studio/context.js'
import type { JsonObject } from '../types.js'
import type { Effect } from './recorder.js'
import type { Outcome } from './widgets.js'
import { newSid } from '../twilio/sid.js'

export type Subflows = ReturnType<typeof createSubflows>

export function createSubflows (deps: { store: Store }) {
  const { store } = deps

  /**
   * Plans the subflow of a run-subflow widget: the subflow's revision and a context of its own, with the parent's
   * trigger copied in and trigger.parent (the parameters, the parent flow, execution and run-subflow step). Sets the
   * parent's pending step SID: its run-subflow step gets it when the subflow ends, and the subflow's steps name it.
   */
  function plan (parent: EngineExecution, parentContext: JsonObject, flowSid: string, revisionText: string, parameters: JsonObject): { effect: Effect } | { error: string } {
    const { accountSid } = parent.execution
    if (parent.frame !== null) return { error: 'a subflow cannot run another subflow: Studio runs one level of subflows' }
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) return { error: `subflow ${flowSid} not found` }
    const which = parseRevisionSelector(revisionText)
    const revision = which === undefined ? undefined : store.getRevision(accountSid, flowSid, which)
    if (revision === undefined) return { error: `subflow ${flowSid} has no revision ${revisionText}` }
    const stepSid = parent.pendingStepSid ?? newSid('FT')
    parent.pendingStepSid = stepSid
    const parentTrigger = (parentContext.trigger ?? {}) as JsonObject
    const context = newExecutionContext({
      flowSid,
      executionSid: parent.execution.sid,
      channelAddress: parent.execution.fromAddress,
      contact: (parentContext.contact as JsonObject | undefined) ?? contactAt(parent.execution.contactChannelAddress),
      trigger: { ...parentTrigger, parent: { parameters, flow_sid: parent.execution.flowSid, execution_sid: parent.execution.sid, step_sid: stepSid } },
      data: {}
    })
    const initial = revision.definition.initial_state
    const frame: Frame = { flowSid, revision: revision.revision, widget: typeof initial === 'string' ? initial : 'Trigger', context }
    return { effect: () => { store.setFrame(accountSid, parent.execution.sid, frame) } }
  }

  /** What the parent's run-subflow widget takes once its subflow has finished (frame.widget is null). */
  function finishedOutcome (e: EngineExecution): Outcome {
    if (e.waitEvent !== 'completed') return { event: 'failed' }
    const variables = ((e.frame?.context.flow as JsonObject | undefined)?.variables ?? {}) as JsonObject
    return { event: 'completed', publish: variables }
  }

  /** For an execution written before subflows ran inline: what the parent takes when its child execution ended. */
  function endedOutcome (accountSid: string, childSid: string): Outcome {
    const child = store.getEngineExecution(accountSid, childSid)
    const childContext = child === undefined ? undefined : store.getExecutionContext(accountSid, child.execution.flowSid, childSid)?.context
    const variables = ((childContext?.flow as JsonObject | undefined)?.variables ?? {}) as JsonObject
    return { event: child?.execution.endedReason === 'FLOW_END' ? 'completed' : 'failed', publish: variables }
  }

  return { plan, finishedOutcome, endedOutcome }
}
