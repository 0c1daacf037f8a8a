// Studio flow definitions: parsing the Definition parameter and the checks Studio's validator makes
// (shared by Flow create, update and Validate, and by STUDIO_FLOWS_DIR loading).
import { parseJsonObjectParameter } from '../twilio/json-parameter.js'
import type { NewRevision } from '../db/flows.js'
import type { FlowValidationError, JsonObject } from '../types.js'
import { isWidgetType } from './widget-types.js'

/**
 * The definition given to a flow registered on first use (STUDIO_FLOWS=auto): only a Trigger, so that it is a
 * valid flow; the engine does not run auto flows, whose real definition is unknown (docs/fidelity.md).
 */
export const AUTO_FLOW_DEFINITION: JsonObject = Object.freeze({
  description: 'Registered by Studio Emulator on first use of this FlowSid (STUDIO_FLOWS=auto). Its real definition is unknown, so its executions stay active until ended.',
  states: [{
    name: 'Trigger',
    type: 'trigger',
    properties: { offset: { x: 0, y: 0 } },
    transitions: [{ event: 'incomingMessage' }, { event: 'incomingCall' }, { event: 'incomingConversationMessage' }, { event: 'incomingRequest' }, { event: 'incomingParent' }]
  }],
  initial_state: 'Trigger',
  flags: { allow_concurrent_calls: true }
})

/** The one revision of a flow registered on first use (also what the benchmark's bulk loader registers). */
export function autoFlowRevision (flowSid: string): NewRevision {
  return { friendlyName: flowSid, status: 'published', definition: AUTO_FLOW_DEFINITION, commitMessage: null, errors: [], warnings: [] }
}

/** The schema's limit on `states`. */
export const MAX_STATES = 1000

export interface DefinitionReport {
  errors: FlowValidationError[]
  warnings: FlowValidationError[]
}

/** The Definition form field: a flow definition as a JSON object in a string. */
export function parseDefinitionParameter (raw: string): JsonObject {
  return parseJsonObjectParameter('Definition', raw, 'a JSON object with initial_state and states')
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v)
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0

/**
 * Validates a definition the way Studio's validator does for the parts docs/fidelity.md lists: the document's
 * shape, known widget types, unique names, an existing initial_state, exactly one trigger, and transitions that
 * name existing widgets. Errors use Studio's `{message, property_path}` form with JSON-pointer paths.
 */
export function validateDefinition (definition: JsonObject): DefinitionReport {
  const errors: FlowValidationError[] = []
  const error = (path: string, message: string) => { errors.push({ message, property_path: path }) }

  if (definition.description !== undefined && typeof definition.description !== 'string') error('#/description', 'description must be a string')
  if (definition.flags !== undefined) {
    if (!isObject(definition.flags)) error('#/flags', 'flags must be an object')
    else if (typeof definition.flags.allow_concurrent_calls !== 'boolean') error('#/flags/allow_concurrent_calls', 'flags.allow_concurrent_calls is required and must be a boolean')
  }

  const states = definition.states
  if (!Array.isArray(states) || states.length === 0) {
    error('#/states', 'states must be a non-empty array of widgets')
    if (!isText(definition.initial_state)) error('#/initial_state', 'initial_state is required')
    return { errors, warnings: [] }
  }
  if (states.length > MAX_STATES) error('#/states', `states may hold at most ${MAX_STATES} widgets`)

  const names = new Map<string, number>()
  let triggers = 0
  states.forEach((state: unknown, i) => {
    const path = `#/states/${i}`
    if (!isObject(state)) { error(path, 'each state must be an object'); return }
    if (!isText(state.name)) error(`${path}/name`, 'name is required')
    else if (names.has(state.name)) error(`${path}/name`, `Widget name "${state.name}" is not unique`)
    else names.set(state.name, i)
    if (!isText(state.type)) error(`${path}/type`, 'type is required')
    else if (!isWidgetType(state.type)) error(`${path}/type`, `"${state.type}" is not a known widget type`)
    else if (state.type === 'trigger') triggers++
    if (state.properties !== undefined && !isObject(state.properties)) error(`${path}/properties`, 'properties must be an object')
    if (!Array.isArray(state.transitions)) error(`${path}/transitions`, 'transitions must be an array')
  })
  if (triggers === 0) error('#/states', 'the flow needs a Trigger widget (type "trigger")')
  if (triggers > 1) error('#/states', 'the flow may have only one Trigger widget')

  if (!isText(definition.initial_state)) error('#/initial_state', 'initial_state is required')
  else if (!names.has(definition.initial_state)) error('#/initial_state', `initial_state "${definition.initial_state}" names no widget`)

  states.forEach((state: unknown, i) => {
    if (!isObject(state) || !Array.isArray(state.transitions)) return
    state.transitions.forEach((t: unknown, j) => {
      const path = `#/states/${i}/transitions/${j}`
      if (!isObject(t)) { error(path, 'each transition must be an object'); return }
      if (!isText(t.event)) error(`${path}/event`, 'event is required')
      if (t.next !== undefined && t.next !== null && t.next !== '') {
        if (typeof t.next !== 'string') error(`${path}/next`, 'next must be a widget name')
        else if (!names.has(t.next)) error(`${path}/next`, `Transition to "${t.next}" references a widget that doesn't exist`)
      }
    })
  })
  return { errors, warnings: [] }
}

/** The widget a transition out of `state` on `event` leads to, or undefined when the flow ends there. */
export function nextState (state: JsonObject, event: string): string | undefined {
  const transitions = Array.isArray(state.transitions) ? state.transitions : []
  const t = transitions.find((x): x is JsonObject => isObject(x) && x.event === event)
  return isText(t?.next) ? t.next : undefined
}
