// Which event a telephony or Flex widget takes here, where nothing real happens: a documented default per widget
// type, or what a test chose through the control API (POST /__emulator/widget-events).
import type { JsonObject } from '../types.js'

/** The event each widget type takes when no choice was made, and the variables it then publishes. */
export const DEFAULT_EVENTS: Readonly<Record<string, { event: string, publish?: JsonObject }>> = {
  'say-play': { event: 'audioComplete' },
  'gather-input-on-call': { event: 'timeout' },
  'connect-call-to': { event: 'callCompleted', publish: { DialCallStatus: 'completed' } },
  'enqueue-call': { event: 'callComplete' },
  'record-voicemail': { event: 'recordingComplete', publish: { RecordingUrl: 'https://api.twilio.com/emulated-recording', RecordingDuration: '5' } },
  'record-call': { event: 'success' },
  'make-outgoing-call-v1': { event: 'answered' },
  'make-outgoing-call-v2': { event: 'answered', publish: { CallStatus: 'in-progress' } },
  'send-to-flex': { event: 'callComplete' },
  'add-twiml-redirect': { event: 'return' },
  'capture-payments': { event: 'success' },
  'fork-stream': { event: 'next' },
  'connect-virtual-agent': { event: 'completed' },
  'connect-virtual-agent-v2': { event: 'completed' },
  'enqueue-call-v2': { event: 'callComplete' }
}

export interface WidgetChoice {
  id: number
  /** Limits the choice to one flow; null for any. */
  flow_sid: string | null
  widget: string
  event: string
  /** Published under widgets.<widget> (e.g. {"Digits": "1"} for a gather). */
  publish: JsonObject
  /** Uses left; null for every time. */
  remaining: number | null
}

export type WidgetChoices = ReturnType<typeof createWidgetChoices>

export function createWidgetChoices () {
  let next = 1
  const choices: WidgetChoice[] = []

  function add (c: Omit<WidgetChoice, 'id'>): WidgetChoice {
    const choice = { ...c, id: next++ }
    choices.push(choice)
    return choice
  }

  /** The first choice for this widget (and flow), counted as used. */
  function take (flowSid: string, widget: string): WidgetChoice | undefined {
    const i = choices.findIndex(c => c.widget === widget && (c.flow_sid === null || c.flow_sid === flowSid))
    if (i < 0) return undefined
    const c = choices[i] as WidgetChoice
    if (c.remaining !== null && --c.remaining <= 0) choices.splice(i, 1)
    return { ...c }
  }

  return { add, take, list: () => choices.map(c => ({ ...c })), clear: () => { choices.length = 0 } }
}
