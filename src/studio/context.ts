// The execution Context Studio keeps for a new execution (docs/fidelity.md, "Execution Context"), and where its run
// begins: the one place both are built, whatever started the execution (REST, an inbound message, a parent flow).
import type { RunState } from '../db/run-state.js'
import type { JsonObject } from '../types.js'

/** What started an execution: Studio's trigger.request, trigger.message, trigger.call, trigger.conversation or trigger.parent. */
export type Trigger =
  | { request: { from: string, to: string, parameters: JsonObject } }
  | { message: JsonObject }
  | { call: JsonObject }
  | { conversation: JsonObject }
  | { parent: { parameters: JsonObject, flow_sid: string, execution_sid: string, step_sid: string } }

export interface NewContext {
  flowSid: string
  executionSid: string
  /** The flow's own address: From of a REST create, To of an inbound message or call, the ConversationSid of a conversation. */
  channelAddress: string
  /** `contact`: the contact's channel (a subflow inherits its parent's whole contact object). */
  contact: JsonObject
  trigger: Trigger
  /** `flow.data`: a REST create's Parameters (a subflow starts with none); absent for inbound messages. */
  data?: JsonObject
}

/** The contact object for an address: `{{contact.channel.address}}`. */
export const contactAt = (address: string): JsonObject => ({ channel: { address } })

export function newExecutionContext (c: NewContext): JsonObject {
  return {
    flow: {
      flow_sid: c.flowSid,
      sid: c.executionSid,
      channel: { address: c.channelAddress },
      ...(c.data !== undefined && { data: c.data }),
      variables: {}
    },
    contact: c.contact,
    trigger: c.trigger,
    widgets: {}
  }
}

/**
 * A REST-triggered execution's Context: Parameters under flow.data (`{{flow.data.name}}`) and
 * trigger.request.parameters, From as the flow's channel, To as the contact's.
 */
export function restContext (flowSid: string, executionSid: string, req: { to: string, from: string }, parameters: JsonObject): JsonObject {
  return newExecutionContext({
    flowSid,
    executionSid,
    channelAddress: req.from,
    contact: contactAt(req.to),
    trigger: { request: { from: req.from, to: req.to, parameters } },
    data: parameters
  })
}

/** Where a new execution's run begins: the definition's initial_state (the Trigger), with nothing counted yet. */
export function startingRunState (definition: JsonObject): Omit<RunState, 'parentExecutionSid' | 'parentStepSid'> {
  const initial = definition.initial_state
  return { currentWidget: typeof initial === 'string' ? initial : 'Trigger', waitKind: 'run', waitUntil: null, waitEvent: null, pendingStepSid: null, stepCount: 0, repeatWidget: null, repeatCount: 0 }
}
