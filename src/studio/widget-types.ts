// Every widget type Studio knows, in one list: the validator accepts exactly these, and the engine runs each one
// either natively (messages, splits, variables, HTTP, Functions, subflows) or, for telephony and Flex widgets where
// nothing real happens here, by recording the action and taking a documented default event (or the one a test
// chose through POST /__emulator/widget-events). Each type also lists the transition events Studio defines for it:
// the control API refuses a chosen event outside them.
import type { JsonObject } from '../types.js'

export interface WidgetType {
  /** For a widget recorded rather than run: the outbox `kind` of what it would do. */
  records?: string
  /** The event a recorded widget takes when no test chose one, and what it then publishes. */
  defaultEvent?: { event: string, publish?: JsonObject }
  /**
   * The transition events Studio defines for the type (its page in Studio's widget library; docs/fidelity.md,
   * "Widget events chosen by tests"). Absent where no page or schema read here names them: then the events a
   * widget of the type declares in its own `transitions` are its list.
   */
  events?: readonly string[]
  /**
   * The events a test may choose through POST /__emulator/widget-events, when not all of `events`: [] for types whose
   * event never comes from a choice (the Trigger's comes from what started the execution, a split's from its
   * conditions, a subflow's from the child), ['deliveryFailure'] for Send & Wait For Reply (a reply or the clock
   * brings the other two).
   */
  choosable?: readonly string[]
}

/**
 * The `type` enum of Twilio's flow-definition JSON schema (https://www.twilio.com/docs/studio/rest-api/v2/schemas),
 * plus widgets added since. Default events: each widget's page in Studio's docs (src/engine/README.md).
 */
export const WIDGET_TYPES: Readonly<Record<string, WidgetType>> = {
  trigger: { events: ['incomingMessage', 'incomingCall', 'incomingConversationMessage', 'incomingRequest', 'incomingParent'], choosable: [] },
  'send-message': { events: ['sent', 'failed'] },
  'send-and-wait-for-reply': { events: ['incomingMessage', 'timeout', 'deliveryFailure'], choosable: ['deliveryFailure'] },
  'split-based-on': { events: ['match', 'noMatch'], choosable: [] },
  'set-variables': { events: ['next'], choosable: [] },
  'make-http-request': { events: ['success', 'failed'] },
  'run-function': { events: ['success', 'fail'] },
  'run-function-v2': { events: ['success', 'fail'] },
  'run-subflow': { events: ['completed', 'failed'], choosable: [] },
  'say-play': { records: 'say', defaultEvent: { event: 'audioComplete' }, events: ['audioComplete'] },
  'gather-input-on-call': { records: 'gather', defaultEvent: { event: 'timeout' }, events: ['keypress', 'speech', 'timeout'] },
  'connect-call-to': { records: 'call', defaultEvent: { event: 'callCompleted', publish: { DialCallStatus: 'completed' } }, events: ['callCompleted', 'hangup'] },
  'enqueue-call': { records: 'enqueue', defaultEvent: { event: 'callComplete' }, events: ['callComplete', 'failedToEnqueue', 'callFailure'] },
  'enqueue-call-v2': { records: 'enqueue', defaultEvent: { event: 'callComplete' }, events: ['callComplete', 'failedToEnqueue', 'callFailure'] },
  'record-voicemail': { records: 'record', defaultEvent: { event: 'recordingComplete', publish: { RecordingUrl: 'https://api.twilio.com/emulated-recording', RecordingDuration: '5' } }, events: ['recordingComplete', 'noAudio', 'hangup'] },
  'record-call': { records: 'record', defaultEvent: { event: 'success' }, events: ['success', 'failed'] },
  'make-outgoing-call-v1': { records: 'call', defaultEvent: { event: 'answered' }, events: ['answered', 'busy', 'noAnswer', 'failed'] },
  'make-outgoing-call-v2': { records: 'call', defaultEvent: { event: 'answered', publish: { CallStatus: 'in-progress' } }, events: ['answered', 'busy', 'noAnswer', 'failed'] },
  'send-to-flex': { records: 'flex', defaultEvent: { event: 'callComplete' }, events: ['callComplete', 'failedToEnqueue', 'callFailure'] },
  'add-twiml-redirect': { records: 'redirect', defaultEvent: { event: 'return' }, events: ['return', 'timeout', 'fail'] },
  'capture-payments': { records: 'payment', defaultEvent: { event: 'success' }, events: ['success', 'maxFailedAttempts', 'providerError', 'payInterrupted', 'hangup', 'validationError'] },
  'fork-stream': { records: 'stream', defaultEvent: { event: 'next' }, events: ['next'] },
  // Events unconfirmed for both Connect Virtual Agent types (the Dialogflow ES page shows Return and Hangup, the CX
  // page Completed, Live Agent Handoff, Hangup and Failed, without their JSON names): each widget's own transitions.
  'connect-virtual-agent': { records: 'virtual-agent', defaultEvent: { event: 'completed' } },
  'connect-virtual-agent-v2': { records: 'virtual-agent', defaultEvent: { event: 'completed' } },
  // Known to the validator; run as "other": recorded, taking their first transition's event (or a chosen one).
  'add-member-to-chat-channel': {},
  'create-chat-channel': {},
  'create-task': {},
  understand: {},
  'update-sync-object': {},
  'send-to-auto-pilot': { events: ['sessionEnded', 'failure', 'timeout'] },
  'start-conversation': {},
  'resume-conversation': {},
  'run-conversation-relay': {}
}

export const isWidgetType = (type: string): boolean => Object.hasOwn(WIDGET_TYPES, type)

/**
 * The events a test may choose for a widget of this type (POST /__emulator/widget-events): the type's `choosable`,
 * else its `events`, else (a type whose events are not listed, or one the validator does not know) the events
 * the widget declares in its transitions.
 */
export function choosableEvents (type: string, declared: readonly string[]): readonly string[] {
  const t = Object.hasOwn(WIDGET_TYPES, type) ? WIDGET_TYPES[type] : undefined
  return t?.choosable ?? t?.events ?? declared
}

/**
 * An execution ended over REST while one of these widgets waits for its HTTP answer lets the request finish and goes
 * on (issue "Flows run as Studio runs them", point 5; docs/fidelity.md, "Ending during an HTTP request").
 */
export const FINISHES_AFTER_END: ReadonlySet<string> = new Set(['make-http-request', 'run-function', 'run-function-v2'])
/** The widgets such an execution still runs after that: up to the next one that would message or call the contact. */
export const RUNS_AFTER_END: ReadonlySet<string> = new Set([...FINISHES_AFTER_END, 'split-based-on', 'set-variables'])
