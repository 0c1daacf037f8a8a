// Which event a widget takes when a test chose it through the control API (POST /__emulator/widget-events):
// telephony and Flex widgets (without a choice, the default in studio/widget-types.ts), and message and HTTP widgets
// (without a choice, they send or request). routes/control.ts refuses a choice that could never apply.
import { choosableEvents } from '../studio/widget-types.js'
import { invalidParameter } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import type { JsonObject } from '../types.js'

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
  /**
   * For send-and-wait-for-reply's deliveryFailure: the message is sent and the failure arrives this many ms later on
   * the emulator clock (a delivery status callback), unless a reply or the timeout comes first; null: at once.
   */
  after_ms: number | null
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

export interface ChoiceInput {
  widget: string
  event: string
  publish?: JsonObject | undefined
  flow_sid?: string | undefined
  times?: number | undefined
  after_ms?: number | undefined
}

/**
 * Adds a test's choice after checking it could ever apply (the control API and the inspector both come here): a
 * widget name no flow has (in its latest or a published revision; in `flow_sid` only, when given) or an event no
 * widget of that name can take (studio/widget-types.ts) is refused with a 400 naming what is allowed.
 */
export function chooseWidgetEvent (
  choices: WidgetChoices,
  widgetsNamed: (name: string, flowSid?: string) => Array<{ flowSid: string, type: string, events: string[] }>,
  b: ChoiceInput
): WidgetChoice {
  if (b.flow_sid !== undefined && !isSid('FW', b.flow_sid)) throw invalidParameter('flow_sid', 'must be a Flow SID')
  const widgets = widgetsNamed(b.widget, b.flow_sid)
  if (widgets.length === 0) {
    throw invalidParameter('widget', b.flow_sid === undefined
      ? `no flow has a widget named ${JSON.stringify(b.widget)}`
      : `flow ${b.flow_sid} has no widget named ${JSON.stringify(b.widget)} in its latest or published revisions`)
  }
  const allowed = [...new Set(widgets.flatMap(w => choosableEvents(w.type, w.events)))]
  if (!allowed.includes(b.event)) {
    const types = [...new Set(widgets.map(w => w.type))].join(', ')
    throw invalidParameter('event', `${JSON.stringify(b.event)} is not an event ${JSON.stringify(b.widget)} (${types}) can be chosen to take; ` +
      (allowed.length === 0 ? 'its events never come from a choice' : `allowed: ${allowed.join(', ')}`))
  }
  if (b.after_ms !== undefined && (b.event !== 'deliveryFailure' || !widgets.some(w => w.type === 'send-and-wait-for-reply'))) {
    throw invalidParameter('after_ms', 'applies only to deliveryFailure of a send-and-wait-for-reply widget (a delivery status that arrives later)')
  }
  return choices.add({
    widget: b.widget,
    event: b.event,
    publish: b.publish ?? {},
    flow_sid: b.flow_sid ?? null,
    remaining: b.times ?? null,
    after_ms: b.after_ms ?? null
  })
}
