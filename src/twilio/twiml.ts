// TwiML as Twilio's helper libraries write it (twilio-node's VoiceResponse): an XML declaration, then <Response> with
// its verbs on one line, attributes in the order given, `&`, `<`, `>` escaped in text and `"` too in attributes.
// Studio answers its voice webhook with this; test/flow-engine/voice.test.ts compares ours with twilio-node's.

/** A TwiML verb: its name, attributes (undefined ones are left out), text, and nested verbs (Gather's Say/Play). */
export interface TwimlVerb {
  verb: string
  attrs?: Readonly<Record<string, string | number | boolean | undefined>>
  text?: string
  children?: readonly TwimlVerb[]
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;')

function verbXml (v: TwimlVerb): string {
  const attrs = Object.entries(v.attrs ?? {})
    .filter((a): a is [string, string | number | boolean] => a[1] !== undefined)
    .map(([k, value]) => ` ${k}="${escapeAttr(String(value))}"`).join('')
  const inner = (v.text === undefined ? '' : escapeText(v.text)) + (v.children ?? []).map(verbXml).join('')
  return inner === '' ? `<${v.verb}${attrs}/>` : `<${v.verb}${attrs}>${inner}</${v.verb}>`
}

/** A whole TwiML document. */
export function twimlResponse (verbs: readonly TwimlVerb[]): string {
  return '<?xml version="1.0" encoding="UTF-8"?>' + (verbs.length === 0 ? '<Response/>' : `<Response>${verbs.map(verbXml).join('')}</Response>`)
}
