// Studio flow definitions: parsing the Definition parameter and the checks Studio's validator makes
// (shared by Flow create, update and Validate, and by STUDIO_FLOWS_DIR loading).
import { parseJsonObjectParameter } from '../twilio/json-parameter.js'
import type { NewRevision } from '../db/flows.js'
import type { FlowValidationError, JsonObject } from '../types.js'
import { SPLIT_PREDICATES, isSplitPredicate } from '../engine/split.js'
import { isSid, type SidPrefix } from '../twilio/sid.js'
import { isWidgetType, widgetType, type PropertyType } from './widget-types.js'

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

/** What the validator needs to know beyond the definition itself. */
export interface ValidationContext {
  /**
   * Whether a flow with this SID exists in the account the definition is checked for (run-subflow's `flow_sid`).
   * Without it only the SID's form is checked.
   */
  flowExists?: (sid: string) => boolean
}

/** A value as a message shows it: quoted, and cut short when long. */
function shown (value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** What a value is, for "must be X; got Y" messages. */
function kindOf (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${shown(value)}`
  return typeof value
}

const EXPECTED: Record<PropertyType, string> = {
  string: 'a string',
  integer: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'an object',
  pairs: 'an array of {key, value} objects'
}

const SID_NAMES: Partial<Record<SidPrefix, string>> = { FW: 'a Flow SID' }

/**
 * Validates a definition the way Studio's validator does for the parts docs/fidelity.md lists: the document's
 * shape; per widget a known type, a unique name, the properties its type requires with the types and values
 * Studio accepts (src/studio/widget-types.ts), and transitions on the events its type defines (a split's `match`
 * with well-formed conditions) to widgets that exist; an existing initial_state; exactly one trigger; run-subflow
 * flow_sids that name a flow of the account (when `context.flowExists` is given). Errors use Studio's
 * `{message, property_path}` form with JSON-pointer paths; a widget's errors name it: `Widget "greet" (send-message): …`.
 */
export function validateDefinition (definition: JsonObject, context: ValidationContext = {}): DefinitionReport {
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
  const triggers: string[] = []
  states.forEach((state: unknown, i) => {
    const path = `#/states/${i}`
    if (!isObject(state)) { error(path, `the widget at ${path} must be an object`); return }
    const widget = widgetLabel(state, i)
    if (!isText(state.name)) error(`${path}/name`, `${widget}: name is required`)
    else if (names.has(state.name)) error(`${path}/name`, `Widget name ${shown(state.name)} is not unique (also the name of #/states/${names.get(state.name) ?? ''})`)
    else names.set(state.name, i)
    if (!isText(state.type)) error(`${path}/type`, `${widget}: type is required`)
    else if (!isWidgetType(state.type)) error(`${path}/type`, `${widget}: ${shown(state.type)} is not a known widget type`)
    else if (state.type === 'trigger') triggers.push(isText(state.name) ? shown(state.name) : path)
    if (state.properties !== undefined && !isObject(state.properties)) error(`${path}/properties`, `${widget}: properties must be an object`)
    if (!Array.isArray(state.transitions)) error(`${path}/transitions`, `${widget}: transitions must be an array`)
    checkProperties(state, path, widget, context, error)
  })
  if (triggers.length === 0) error('#/states', 'the flow needs a Trigger widget (type "trigger")')
  if (triggers.length > 1) error('#/states', `the flow may have only one Trigger widget; it has ${triggers.length}: ${triggers.slice(0, 5).join(', ')}${triggers.length > 5 ? ', ...' : ''}`)

  if (!isText(definition.initial_state)) error('#/initial_state', 'initial_state is required')
  else if (!names.has(definition.initial_state)) error('#/initial_state', `initial_state ${shown(definition.initial_state)} names no widget`)

  states.forEach((state: unknown, i) => {
    if (!isObject(state) || !Array.isArray(state.transitions)) return
    const widget = widgetLabel(state, i)
    const events = isText(state.type) ? widgetType(state.type)?.events : undefined
    state.transitions.forEach((t: unknown, j) => {
      const path = `#/states/${i}/transitions/${j}`
      if (!isObject(t)) { error(path, `${widget}: each transition must be an object`); return }
      if (!isText(t.event)) error(`${path}/event`, `${widget}: transition ${j} needs an event`)
      else if (events !== undefined && !events.includes(t.event)) error(`${path}/event`, `${widget} has no event ${shown(t.event)}; its events are ${events.join(', ')}`)
      if (t.next !== undefined && t.next !== null && t.next !== '') {
        if (typeof t.next !== 'string') error(`${path}/next`, `${widget}: a transition's next must be a widget name`)
        else if (!names.has(t.next)) error(`${path}/next`, `${widget}: transition to ${shown(t.next)} references a widget that doesn't exist`)
      }
      if (state.type === 'split-based-on' && t.event === 'match') checkConditions(t.conditions, `${path}/conditions`, widget, error)
    })
  })
  return { errors, warnings: [] }
}

type Report = (path: string, message: string) => void

/** How messages name a widget: `Widget "greet" (send-message)`, or by its place when it has no name. */
function widgetLabel (state: JsonObject, i: number): string {
  const name = isText(state.name) ? shown(state.name) : `#/states/${i}`
  return isText(state.type) ? `Widget ${name} (${state.type.length > 60 ? `${state.type.slice(0, 57)}...` : state.type})` : `Widget ${name}`
}

/** `offset` (any widget) and the properties the widget's type declares (src/studio/widget-types.ts). */
function checkProperties (state: JsonObject, path: string, widget: string, context: ValidationContext, error: Report): void {
  const props = isObject(state.properties) ? state.properties : state.properties === undefined ? {} : undefined
  if (props === undefined) return
  if (Object.hasOwn(props, 'offset')) {
    const offset = props.offset
    if (!isObject(offset)) error(`${path}/properties/offset`, `${widget}: offset must be an object ({x, y}); got ${kindOf(offset)}`)
    else {
      for (const axis of ['x', 'y'] as const) {
        if (offset[axis] !== undefined && typeof offset[axis] !== 'number') error(`${path}/properties/offset/${axis}`, `${widget}: offset.${axis} must be a number; got ${kindOf(offset[axis])}`)
      }
    }
  }
  const rules = isText(state.type) ? widgetType(state.type)?.properties : undefined
  if (rules === undefined) return
  for (const [name, rule] of Object.entries(rules)) {
    const at = `${path}/properties/${name}`
    if (!Object.hasOwn(props, name) || props[name] === undefined) {
      if (rule.required === true && (rule.unless === undefined || !Object.hasOwn(props, rule.unless))) error(at, `${widget}: ${name} is required`)
      continue
    }
    const value = props[name]
    if (!hasType(value, rule.type)) {
      error(at, `${widget}: ${name} must be ${EXPECTED[rule.type]}; got ${kindOf(value)}`)
      continue
    }
    if (rule.type === 'pairs') checkPairs(value as unknown[], at, widget, name, error)
    if (rule.enum !== undefined && !rule.enum.includes(value as string) && !(rule.liquid === true && isLiquidTemplate(value as string))) {
      error(at, `${widget}: ${name} must be one of ${rule.enum.join(', ')}${rule.liquid === true ? ' (or a Liquid template)' : ''}; got ${shown(value)}`)
    }
    if (rule.sid !== undefined) {
      if (!isSid(rule.sid, value)) error(at, `${widget}: ${name} must be ${SID_NAMES[rule.sid] ?? `a ${rule.sid} SID`} (${rule.sid} followed by 32 hex digits); got ${shown(value)}`)
      else if (rule.sid === 'FW' && context.flowExists !== undefined && !context.flowExists(value as string)) {
        error(at, `${widget}: ${name} ${value as string} names no flow in this account`)
      }
    }
  }
}

/** A value that is one Liquid output or tag as a whole ("{{flow.data.method}}"), as Studio's Terraform provider tests it. */
const isLiquidTemplate = (value: string): boolean => /^\{[{%][\s\S]+[}%]\}$/.test(value)

function hasType (value: unknown, type: PropertyType): boolean {
  switch (type) {
    case 'string': return typeof value === 'string'
    case 'integer': return typeof value === 'number' && Number.isInteger(value)
    case 'boolean': return typeof value === 'boolean'
    case 'array': case 'pairs': return Array.isArray(value)
    case 'object': return isObject(value)
  }
}

/** Key/value lists (parameters, variables): objects with a string key and, when given, a string value. */
function checkPairs (items: unknown[], path: string, widget: string, name: string, error: Report): void {
  items.forEach((item, k) => {
    if (!isObject(item)) { error(`${path}/${k}`, `${widget}: ${name}[${k}] must be a {key, value} object; got ${kindOf(item)}`); return }
    if (typeof item.key !== 'string') error(`${path}/${k}/key`, `${widget}: ${name}[${k}].key is required and must be a string`)
    if (item.value !== undefined && typeof item.value !== 'string') error(`${path}/${k}/value`, `${widget}: ${name}[${k}].value must be a string; got ${kindOf(item.value)}`)
  })
}

/** A split's `match` transition: conditions, each a known predicate with a value and the arguments it tests. */
function checkConditions (conditions: unknown, path: string, widget: string, error: Report): void {
  if (!Array.isArray(conditions)) { error(path, `${widget}: a match transition needs conditions (an array)`); return }
  conditions.forEach((c, k) => {
    const at = `${path}/${k}`
    if (!isObject(c)) { error(at, `${widget}: condition ${k} must be an object`); return }
    if (typeof c.type !== 'string' || !isSplitPredicate(c.type)) {
      error(`${at}/type`, `${widget}: condition ${k} needs a type among ${SPLIT_PREDICATES.join(', ')}; got ${c.type === undefined ? 'none' : shown(c.type)}`)
    }
    if (typeof c.value !== 'string') error(`${at}/value`, `${widget}: condition ${k} needs a value (a string); got ${c.value === undefined ? 'none' : kindOf(c.value)}`)
    if (!Array.isArray(c.arguments)) error(`${at}/arguments`, `${widget}: condition ${k} needs arguments (an array); got ${c.arguments === undefined ? 'none' : kindOf(c.arguments)}`)
    if (c.friendly_name !== undefined && typeof c.friendly_name !== 'string') error(`${at}/friendly_name`, `${widget}: condition ${k}'s friendly_name must be a string`)
  })
}

/** The widget a transition out of `state` on `event` leads to, or undefined when the flow ends there. */
export function nextState (state: JsonObject, event: string): string | undefined {
  const transitions = Array.isArray(state.transitions) ? state.transitions : []
  const t = transitions.find((x): x is JsonObject => isObject(x) && x.event === event)
  return isText(t?.next) ? t.next : undefined
}
