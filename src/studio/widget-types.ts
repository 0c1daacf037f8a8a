// Every widget type Studio knows, in one list: the validator accepts exactly these, and the engine runs each one
// either natively (messages, splits, variables, HTTP, Functions, subflows) or, for telephony and Flex widgets where
// nothing real happens here, by recording the action and taking a documented default event (or the one a test
// chose through POST /__emulator/widget-events). Each type also lists the transition events Studio defines for it
// (the validator refuses a transition on another event, the control API a chosen one) and the properties Studio
// requires or type-checks (src/studio/flow-definition.ts applies them).
import type { SidPrefix } from '../twilio/sid.js'
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
  /**
   * The widget's `properties` that the validator checks (src/studio/flow-definition.ts): the ones Studio requires
   * and the JSON type (and values) Studio's schema gives each. A property not listed here is not checked; a type
   * without `properties` has none checked (only `offset`, which every widget may have).
   */
  properties?: Readonly<Record<string, PropertyRule>>
}

/**
 * A property's JSON type in Studio's flow-definition schema: `integer` is a whole JSON number (Studio refuses
 * "5"), `pairs` an array of `{key, value}` objects with string keys and values (parameters, variables).
 */
export type PropertyType = 'string' | 'integer' | 'boolean' | 'array' | 'object' | 'pairs'

export interface PropertyRule {
  type: PropertyType
  /** Studio refuses the widget without it. */
  required?: boolean
  /** With `required`: not required when this other property is present (a message sent from a Content template). */
  unless?: string
  /** The only values Studio accepts (docs/fidelity.md, "Flow validation", names each list's sources). */
  enum?: readonly string[]
  /** With `enum`: a value that is one Liquid template as a whole ("{{flow.data.x}}", "{% … %}") is accepted too. */
  liquid?: boolean
  /** A SID with this prefix (and 32 hex digits); for `FW`, a flow that must exist in the caller's account. */
  sid?: SidPrefix
}

// Shorthands for the property lists below.
const str: PropertyRule = { type: 'string' }
const int: PropertyRule = { type: 'integer' }
const bool: PropertyRule = { type: 'boolean' }
const pairs: PropertyRule = { type: 'pairs' }
const required = (rule: PropertyRule, unless?: string): PropertyRule => ({ ...rule, required: true, ...(unless !== undefined && { unless }) })
const strings = (...names: string[]): Record<string, PropertyRule> => Object.fromEntries(names.map(n => [n, str]))
/** A string among these values; with `liquid`, or one Liquid template (whose value is only known when it runs). */
const oneOf = (values: readonly string[], liquid = false): PropertyRule => ({ type: 'string', enum: values, ...(liquid && { liquid }) })

// The enums: each list is the one RJPearson94/terraform-provider-twilio's studio_flow_widget_* data sources accept
// (with Liquid where they accept it), agreeing with a second source: Studio's widget docs or Twilio's Studio Widget
// Catalog (github.com/twilio/ai), or the TwiML or REST parameter the property becomes (docs/fidelity.md).
const GET_OR_POST = ['GET', 'POST'] as const
const TRIM = ['trim-silence', 'do-not-trim'] as const
const TRUE_OR_FALSE = ['true', 'false'] as const
const RECORDING_CHANNELS = ['mono', 'dual'] as const
/**
 * Make HTTP Request's Content Type dropdown: form or JSON, written by the editor (and Terraform) with
 * ";charset=utf-8"; Twilio's Studio Widget Catalog writes them bare.
 */
const HTTP_CONTENT_TYPES = ['application/x-www-form-urlencoded;charset=utf-8', 'application/json;charset=utf-8', 'application/x-www-form-urlencoded', 'application/json'] as const

/** Send Message and Send & Wait For Reply: Studio's docs list the Message Body as the one field with no default. */
const MESSAGE_PROPERTIES: Readonly<Record<string, PropertyRule>> = {
  body: required(str, 'content_sid'),
  ...strings('from', 'media_url', 'service', 'channel', 'attributes', 'content_sid', 'message_type'),
  content_variables: pairs
}

/**
 * The `type` enum of Twilio's flow-definition JSON schema (https://www.twilio.com/docs/studio/rest-api/v2/schemas),
 * plus widgets added since. Default events: each widget's page in Studio's docs (src/engine/README.md).
 * Properties: required only where at least two sources say so (the widget's page in Studio's docs, transcriptions
 * of the schema, SDKs that write Studio widgets) and no Studio export or documented default says otherwise; types
 * from the schema and real exports. Each choice and its sources: docs/fidelity.md, "Flow validation".
 */
export const WIDGET_TYPES: Readonly<Record<string, WidgetType>> = {
  trigger: { events: ['incomingMessage', 'incomingCall', 'incomingConversationMessage', 'incomingRequest', 'incomingParent'], choosable: [] },
  'send-message': { events: ['sent', 'failed'], properties: { ...MESSAGE_PROPERTIES, to: str } },
  'send-and-wait-for-reply': {
    events: ['incomingMessage', 'timeout', 'deliveryFailure'],
    choosable: ['deliveryFailure'],
    // timeout: seconds as a string ("3600"), unlike the voice widgets' integer timeouts.
    properties: { ...MESSAGE_PROPERTIES, ...strings('timeout', 'save_response_as') }
  },
  'split-based-on': { events: ['match', 'noMatch'], choosable: [], properties: { input: required(str) } },
  'set-variables': { events: ['next'], choosable: [], properties: { variables: pairs } },
  'make-http-request': {
    events: ['success', 'failed'],
    properties: { url: required(str), method: oneOf(GET_OR_POST), content_type: oneOf(HTTP_CONTENT_TYPES), body: str, parameters: pairs, add_twilio_auth: bool }
  },
  'run-function': {
    events: ['success', 'fail'],
    properties: { url: required(str), ...strings('service_sid', 'environment_sid', 'function_sid'), parameters: pairs }
  },
  'run-function-v2': { events: ['success', 'fail'], properties: { ...strings('url', 'service_sid', 'environment_sid', 'function_sid'), parameters: pairs } },
  'run-subflow': {
    events: ['completed', 'failed'],
    choosable: [],
    properties: { flow_sid: { type: 'string', required: true, sid: 'FW' }, flow_revision: str, parameters: pairs }
  },
  'say-play': {
    records: 'say',
    defaultEvent: { event: 'audioComplete' },
    events: ['audioComplete'],
    properties: { ...strings('say', 'play', 'digits', 'voice', 'language'), loop: int }
  },
  'gather-input-on-call': {
    records: 'gather',
    defaultEvent: { event: 'timeout' },
    events: ['keypress', 'speech', 'timeout'],
    // profanity_filter is the string "true"/"false"; stop_gather a real boolean.
    properties: {
      ...strings('say', 'play', 'voice', 'language', 'finish_on_key', 'gather_language', 'speech_timeout', 'speech_model', 'hints', 'save_response_as'),
      profanity_filter: oneOf(TRUE_OR_FALSE, true),
      loop: int,
      number_of_digits: int,
      timeout: int,
      stop_gather: bool
    }
  },
  'connect-call-to': {
    records: 'call',
    defaultEvent: { event: 'callCompleted', publish: { DialCallStatus: 'completed' } },
    events: ['callCompleted', 'hangup'],
    properties: {
      noun: required(oneOf(['number', 'number-multi', 'client', 'sip', 'conference', 'sim'])),
      ...strings('to', 'caller_id', 'sip_endpoint', 'sip_username', 'sip_password', 'time_limit'),
      record: bool,
      timeout: int
    }
  },
  'enqueue-call': {
    records: 'enqueue',
    defaultEvent: { event: 'callComplete' },
    events: ['callComplete', 'failedToEnqueue', 'callFailure'],
    properties: { ...strings('queue_name', 'workflow_sid', 'task_attributes', 'wait_url'), wait_url_method: oneOf(GET_OR_POST), priority: int, timeout: int }
  },
  'enqueue-call-v2': { records: 'enqueue', defaultEvent: { event: 'callComplete' }, events: ['callComplete', 'failedToEnqueue', 'callFailure'] },
  'record-voicemail': {
    records: 'record',
    defaultEvent: { event: 'recordingComplete', publish: { RecordingUrl: 'https://api.twilio.com/emulated-recording', RecordingDuration: '5' } },
    events: ['recordingComplete', 'noAudio', 'hangup'],
    // play_beep is the string "true"/"false"; transcribe a real boolean.
    properties: {
      ...strings('finish_on_key', 'transcription_callback_url', 'recording_status_callback_url'),
      trim: oneOf(TRIM, true),
      play_beep: oneOf(TRUE_OR_FALSE, true),
      timeout: int,
      max_length: int,
      transcribe: bool
    }
  },
  'record-call': {
    records: 'record',
    defaultEvent: { event: 'success' },
    events: ['success', 'failed'],
    properties: {
      record_call: bool,
      ...strings('recording_status_callback', 'recording_status_callback_events'),
      recording_status_callback_method: oneOf(GET_OR_POST, true),
      recording_channels: oneOf(RECORDING_CHANNELS, true),
      trim: oneOf(TRIM, true)
    }
  },
  'make-outgoing-call-v1': {
    records: 'call',
    defaultEvent: { event: 'answered' },
    events: ['answered', 'busy', 'noAnswer', 'failed'],
    properties: { from: required(str), to: required(str), record: bool, timeout: int }
  },
  'make-outgoing-call-v2': {
    records: 'call',
    defaultEvent: { event: 'answered', publish: { CallStatus: 'in-progress' } },
    events: ['answered', 'busy', 'noAnswer', 'failed'],
    // The machine_detection_* values are strings ("30", "2400"); timeout an integer.
    properties: {
      from: required(str),
      to: required(str),
      ...strings('recording_status_callback', 'machine_detection_timeout', 'machine_detection_speech_threshold',
        'machine_detection_speech_end_threshold', 'machine_detection_silence_timeout', 'send_digits', 'sip_auth_username', 'sip_auth_password'),
      recording_channels: oneOf(RECORDING_CHANNELS),
      trim: oneOf(TRIM),
      machine_detection: oneOf(['Enable', 'DetectMessageEnd'], true),
      record: bool,
      detect_answering_machine: bool,
      timeout: int
    }
  },
  'send-to-flex': {
    records: 'flex',
    defaultEvent: { event: 'callComplete' },
    events: ['callComplete', 'failedToEnqueue', 'callFailure'],
    // priority and timeout are strings here ("10", "3600"), unlike Enqueue Call's integers.
    properties: { workflow: required(str), channel: required(str), ...strings('attributes', 'priority', 'timeout', 'waitUrl'), waitUrlMethod: oneOf(GET_OR_POST) }
  },
  'add-twiml-redirect': {
    records: 'redirect',
    defaultEvent: { event: 'return' },
    events: ['return', 'timeout', 'fail'],
    // timeout is a string of seconds ("14400").
    properties: { ...strings('url', 'timeout'), method: oneOf(GET_OR_POST, true) }
  },
  'capture-payments': {
    records: 'payment',
    defaultEvent: { event: 'success' },
    events: ['success', 'maxFailedAttempts', 'providerError', 'payInterrupted', 'hangup', 'validationError'],
    // postal_code is the string "true"/"false"; security_code a real boolean.
    properties: {
      ...strings('payment_connector', 'payment_amount', 'currency', 'description', 'language', 'postal_code', 'bank_account_type'),
      payment_token_type: oneOf(['one-time', 'reusable']),
      payment_method: oneOf(['CREDIT_CARD', 'ACH_DEBIT']),
      timeout: int,
      max_attempts: int,
      min_postal_code_length: int,
      security_code: bool,
      valid_card_types: { type: 'array' },
      parameters: pairs
    }
  },
  'fork-stream': {
    records: 'stream',
    defaultEvent: { event: 'next' },
    events: ['next'],
    properties: {
      stream_action: oneOf(['start', 'stop']),
      ...strings('stream_name', 'stream_connector', 'stream_url'),
      stream_transport_type: oneOf(['websocket', 'siprec']),
      stream_track: oneOf(['inbound_track', 'outbound_track', 'both_tracks']),
      stream_parameters: pairs
    }
  },
  // Events unconfirmed for both Connect Virtual Agent types (the Dialogflow ES page shows Return and Hangup, the CX
  // page Completed, Live Agent Handoff, Hangup and Failed, without their JSON names): each widget's own transitions.
  'connect-virtual-agent': { records: 'virtual-agent', defaultEvent: { event: 'completed' }, properties: { connector: required(str), ...strings('language', 'sentiment_analysis', 'status_callback') } },
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

/** The type's rules, or undefined for a type the validator does not know. */
export const widgetType = (type: string): WidgetType | undefined => Object.hasOwn(WIDGET_TYPES, type) ? WIDGET_TYPES[type] : undefined

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
