// Subflows (run-subflow): starting the child execution from a parent's widget, and what the parent takes when the
// child ends. The child's start is an Effect: it is written in the same transaction as the parent's wait.
import { parseRevisionSelector } from '../db/flows.js'
import type { EngineExecution } from '../db/run-state.js'
import type { Store } from '../db/store.js'
import type { Clock } from '../clock.js'
import { contactAt, newExecutionContext, startingRunState } from '../studio/context.js'
import { contactSid, newSid } from '../twilio/sid.js'
import type { JsonObject } from '../types.js'
import type { Effect } from './recorder.js'
import type { Outcome } from './widgets.js'

export type Subflows = ReturnType<typeof createSubflows>

export function createSubflows (deps: { store: Store, clock: Clock }) {
  const { store, clock } = deps

  /**
   * Plans the child execution of a run-subflow widget: the child flow's revision, the parent's contact, and
   * trigger.parent.parameters. Sets the parent's pending step SID (its run-subflow step gets it when it completes;
   * the child's steps name it meanwhile). The returned effect writes the child.
   */
  function plan (parent: EngineExecution, parentContext: JsonObject, flowSid: string, revisionText: string, parameters: JsonObject): { childSid: string, effect: Effect } | { error: string } {
    const { accountSid } = parent.execution
    const flow = store.findFlow(accountSid, flowSid)
    if (flow === undefined) return { error: `subflow ${flowSid} not found` }
    const which = parseRevisionSelector(revisionText)
    const revision = which === undefined ? undefined : store.getRevision(accountSid, flowSid, which)
    if (revision === undefined) return { error: `subflow ${flowSid} has no revision ${revisionText}` }
    const to = parent.execution.contactChannelAddress
    const from = parent.execution.fromAddress
    const active = store.activeExecutionForContact(accountSid, flowSid, to, from)
    if (active !== undefined) return { error: `the contact already has an active execution (${active.execution.sid}) in subflow ${flowSid}` }
    const childSid = newSid('FN')
    const stepSid = parent.pendingStepSid ?? newSid('FT')
    parent.pendingStepSid = stepSid
    const context = newExecutionContext({
      flowSid,
      executionSid: childSid,
      channelAddress: from,
      contact: (parentContext.contact as JsonObject | undefined) ?? contactAt(to),
      trigger: { parent: { parameters, flow_sid: parent.execution.flowSid, execution_sid: parent.execution.sid, step_sid: stepSid } },
      data: {}
    })
    const effect: Effect = (w) => {
      const created = w.create(accountSid, flow, {
        sid: childSid, contactSid: contactSid(accountSid, to), to, from, flowRevision: revision.revision, initiatedBy: parent.execution.sid, context, now: clock.now()
      })
      // Another start for the contact won the race since the check: the parent's wait is rolled back with this.
      if (created.outcome !== 'created') throw new Error(`the contact already has an active execution (${created.execution.sid}) in subflow ${flowSid}`)
      store.setParent(accountSid, childSid, parent.execution.sid, stepSid)
      w.setRunState(accountSid, childSid, startingRunState(revision.definition))
    }
    return { childSid, effect }
  }

  /** What the parent takes when its child ends: completed with the child's flow.variables at the flow's end, else failed. */
  function endedOutcome (accountSid: string, childSid: string): Outcome {
    const child = store.getEngineExecution(accountSid, childSid)
    const childContext = child === undefined ? undefined : store.getExecutionContext(accountSid, child.execution.flowSid, childSid)?.context
    const variables = ((childContext?.flow as JsonObject | undefined)?.variables ?? {}) as JsonObject
    return { event: child?.execution.endedReason === 'FLOW_END' ? 'completed' : 'failed', publish: variables }
  }

  return { plan, endedOutcome }
}
