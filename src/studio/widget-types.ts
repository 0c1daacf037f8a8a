// Every widget type Studio knows, in one list: the validator accepts exactly these, and the engine runs each one
// either natively (messages, splits, variables, HTTP, Functions, subflows) or, for telephony and Flex widgets where
// nothing real happens here, by recording the action and taking a documented default event (or the one a test
// chose through POST /__emulator/widget-events).
import type { JsonObject } from '../types.js'

export interface WidgetType {
  /** For a widget recorded rather than run: the outbox `kind` of what it would do. */
  records?: string
  /** The event a recorded widget takes when no test chose one, and what it then publishes. */
  defaultEvent?: { event: string, publish?: JsonObject }
}

/**
 * The `type` enum of Twilio's flow-definition JSON schema (https://www.twilio.com/docs/studio/rest-api/v2/schemas),
 * plus widgets added since. Default events: each widget's page in Studio's docs (src/engine/README.md).
 */
export const WIDGET_TYPES: Readonly<Record<string, WidgetType>> = {
  trigger: {},
  'send-message': {},
  'send-and-wait-for-reply': {},
  'split-based-on': {},
  'set-variables': {},
  'make-http-request': {},
  'run-function': {},
  'run-function-v2': {},
  'run-subflow': {},
  'say-play': { records: 'say', defaultEvent: { event: 'audioComplete' } },
  'gather-input-on-call': { records: 'gather', defaultEvent: { event: 'timeout' } },
  'connect-call-to': { records: 'call', defaultEvent: { event: 'callCompleted', publish: { DialCallStatus: 'completed' } } },
  'enqueue-call': { records: 'enqueue', defaultEvent: { event: 'callComplete' } },
  'enqueue-call-v2': { records: 'enqueue', defaultEvent: { event: 'callComplete' } },
  'record-voicemail': { records: 'record', defaultEvent: { event: 'recordingComplete', publish: { RecordingUrl: 'https://api.twilio.com/emulated-recording', RecordingDuration: '5' } } },
  'record-call': { records: 'record', defaultEvent: { event: 'success' } },
  'make-outgoing-call-v1': { records: 'call', defaultEvent: { event: 'answered' } },
  'make-outgoing-call-v2': { records: 'call', defaultEvent: { event: 'answered', publish: { CallStatus: 'in-progress' } } },
  'send-to-flex': { records: 'flex', defaultEvent: { event: 'callComplete' } },
  'add-twiml-redirect': { records: 'redirect', defaultEvent: { event: 'return' } },
  'capture-payments': { records: 'payment', defaultEvent: { event: 'success' } },
  'fork-stream': { records: 'stream', defaultEvent: { event: 'next' } },
  'connect-virtual-agent': { records: 'virtual-agent', defaultEvent: { event: 'completed' } },
  'connect-virtual-agent-v2': { records: 'virtual-agent', defaultEvent: { event: 'completed' } },
  // Known to the validator; run as "other": recorded, taking their first transition's event.
  'add-member-to-chat-channel': {},
  'create-chat-channel': {},
  'create-task': {},
  understand: {},
  'update-sync-object': {},
  'send-to-auto-pilot': {},
  'start-conversation': {},
  'resume-conversation': {},
  'run-conversation-relay': {}
}

export const isWidgetType = (type: string): boolean => Object.hasOwn(WIDGET_TYPES, type)
