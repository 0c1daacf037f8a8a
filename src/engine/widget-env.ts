// What a widget sees when it runs (WidgetEnv) and what it answers (Outcome): shared by the message and logic widgets
// (widgets.ts) and the voice widgets (voice.ts).
import type { CallStatus } from '../db/calls.js'
import { choosableEvents } from '../studio/widget-types.js'
import type { TwimlVerb } from '../twilio/twiml.js'
import type { EndedReason, JsonObject } from '../types.js'
import type { WidgetChoice } from './choices.js'
import type { HttpRequest, HttpResponse } from './http.js'

/** A call status the widget's outcome sets on the execution's call (the callee was busy, did not answer, …). */
export interface CallStatusChange {
  status: CallStatus
  answeredBy?: string | null
}

/** The result of running a widget: a transition to take, a wait, or the end of the execution. */
export type Outcome =
  | { event: string, publish?: JsonObject, variables?: JsonObject, transition?: JsonObject, callStatus?: CallStatusChange }
  /** `untilEvent`: the event taken at `until` instead of `timeout` (a delivery failure a test scheduled). */
  | { wait: 'reply', until: number, untilEvent?: string, publish?: JsonObject }
  /** run-subflow: its subflow runs inside the execution; the widget takes `completed` or `failed` when it ends. */
  | { wait: 'subflow' }
  /**
   * A voice widget waits for the call: `twiml` is what Studio answers the call with (the call follows it and reports
   * back through the flow's webhook); make-outgoing-call waits for the callee without TwiML.
   */
  | { wait: 'call', until: number | null, untilEvent?: string, publish?: JsonObject, twiml?: TwimlVerb[] }
  /** The execution ends here without a transition (a voice widget reached after its call ended). */
  | { end: EndedReason }

export interface OutboxEntry {
  kind: string
  to?: string | null
  from?: string | null
  body?: string | null
  detail: JsonObject
  /** 'SM' for messages (Twilio's Message SID prefix), 'IM' for Conversation messages, 'WT' for Flex tasks, otherwise a record id. */
  prefix?: 'SM' | 'IM' | 'WT' | 'MM'
}

/** The execution's call, as a widget sees it. */
export interface CallView {
  sid: string
  direction: string
  from: string
  to: string
  status: CallStatus
  /** queued, ringing or in progress: the call is still there to follow TwiML. */
  live: boolean
}

/** A call a make-outgoing-call widget places. */
export interface NewCall {
  to: string
  from: string
  status: CallStatus
  answeredBy: string | null
}

/** What a widget may use: the context, Liquid, the clock, the outbox, HTTP, subflows, calls and test choices. */
export interface WidgetEnv {
  widget: JsonObject
  name: string
  type: string
  flowSid: string
  accountSid: string
  context: JsonObject
  now: number
  /** The execution's step count: it names the wait in the URLs of the TwiML a voice widget answers with. */
  step: number
  render: (template: unknown) => string
  renderValue: <T>(value: T) => T
  send: (entry: OutboxEntry) => string
  http: (req: HttpRequest) => Promise<HttpResponse>
  choice: () => WidgetChoice | undefined
  startSubflow: (flowSid: string, revision: string, parameters: JsonObject) => { started: true } | { error: string }
  /** The execution's call (its newest), if it has one. */
  call: () => CallView | undefined
  /** Places a call (make-outgoing-call); returns its CallSid. */
  placeCall: (call: NewCall) => string
}

/** What the call reported to a voice widget waiting on it: the event Studio's URL named, and the request's fields. */
export interface CallReport {
  event: string
  fields: Readonly<Record<string, string>>
}

export type Widget = (env: WidgetEnv) => Promise<Outcome> | Outcome

export const props = (env: WidgetEnv): JsonObject => (typeof env.widget.properties === 'object' && env.widget.properties !== null ? env.widget.properties : {}) as JsonObject
export const text = (v: unknown): string => typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)

/** The events this widget declares in its transitions. */
export const declaredEvents = (widget: JsonObject): string[] => Array.isArray(widget.transitions) ? (widget.transitions as JsonObject[]).map(t => text(t?.event)) : []

/** Whether the widget has a transition for `event` that goes somewhere. */
export const leadsSomewhere = (widget: JsonObject, event: string): boolean =>
  Array.isArray(widget.transitions) && (widget.transitions as JsonObject[]).some(t => t?.event === event && typeof t.next === 'string' && t.next !== '')

/**
 * The test's choice for this widget (POST /__emulator/widget-events), when its event is one this widget's type can
 * be chosen to take. The control API refuses any other; one made for a same-named widget of another type in
 * another flow is used up here and ignored.
 */
export function chosenFor (env: WidgetEnv): WidgetChoice | undefined {
  const c = env.choice()
  if (c === undefined) return undefined
  return choosableEvents(env.type, declaredEvents(env.widget)).includes(c.event) ? c : undefined
}
