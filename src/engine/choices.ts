// Which event a widget takes when a test chose it through the control API (POST /__emulator/widget-events):
// telephony and Flex widgets (without a choice, the default in studio/widget-types.ts), and message and HTTP widgets
// (without a choice, they send or request). routes/control.ts refuses a choice that could never apply.
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
