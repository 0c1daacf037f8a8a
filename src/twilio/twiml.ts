// TwiML as Twilio's helper libraries write it (twilio-node's VoiceResponse): an XML declaration, then <Response> with
// its verbs on one line, attributes in the order given, `&`, `<`, `>` escaped in text and `"` too in attributes.
// Studio answers its voice webhook with this; test/flow-engine/voice.test.ts compares ours with twilio-node's.

/** A TwiML verb: its name, attributes (undefined ones are left out), text, and nested verbs (Gather's Say/Play). */
export interface TwimlVerb {
  verb: string
  attrs?: Readonly<Record<string, string | number | boolean | undefined>>
  text?: string
  /** <Say> text: SSML elements in it (<break/>, <emphasis>, <prosody>, …) are kept as elements; the rest is escaped. */
  ssml?: boolean
  children?: readonly TwimlVerb[]
}

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
const escapeAttr = (s: string): string => escapeText(s).replace(/"/g, '&quot;')

/** The SSML elements <Say> takes (Twilio's <Say> reference, "SSML"), as tags written in the text. */
const SSML_TAG = /<\/?(?:break|emphasis|lang|p|phoneme|prosody|s|say-as|sub|w|amazon:domain|amazon:effect)(?:\s+[a-zA-Z:-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*\/?>/g

/** Whether the SSML tags in a text open and close in order (so that keeping them leaves the XML well-formed). */
function balanced (tags: readonly string[]): boolean {
  const open: string[] = []
  for (const tag of tags) {
    const name = /^<\/?([a-zA-Z:-]+)/.exec(tag)?.[1] ?? ''
    if (tag.endsWith('/>')) continue
    if (tag.startsWith('</')) {
      if (open.pop() !== name) return false
    } else open.push(name)
  }
  return open.length === 0
}

/**
 * Text with SSML elements kept (their attribute quotes normalized to "), everything else escaped; a text whose
 * SSML tags do not open and close in order is escaped whole (spoken as written rather than breaking the TwiML).
 */
function ssmlText (s: string): string {
  const tags = [...s.matchAll(SSML_TAG)]
  if (!balanced(tags.map(m => m[0]))) return escapeText(s)
  let out = ''
  let at = 0
  for (const m of tags) {
    out += escapeText(s.slice(at, m.index)) + m[0].replace(/'([^'<>]*)'/g, (_q, v: string) => `"${v.replace(/"/g, '&quot;')}"`).replace(/&(?!(amp|lt|gt|quot|apos);)/g, '&amp;')
    at = m.index + m[0].length
  }
  return out + escapeText(s.slice(at))
}

function verbXml (v: TwimlVerb): string {
  const attrs = Object.entries(v.attrs ?? {})
    .filter((a): a is [string, string | number | boolean] => a[1] !== undefined)
    .map(([k, value]) => ` ${k}="${escapeAttr(String(value))}"`).join('')
  const inner = (v.text === undefined ? '' : v.ssml === true ? ssmlText(v.text) : escapeText(v.text)) + (v.children ?? []).map(verbXml).join('')
  return inner === '' ? `<${v.verb}${attrs}/>` : `<${v.verb}${attrs}>${inner}</${v.verb}>`
}

/** A whole TwiML document. */
export function twimlResponse (verbs: readonly TwimlVerb[]): string {
  return '<?xml version="1.0" encoding="UTF-8"?>' + (verbs.length === 0 ? '<Response/>' : `<Response>${verbs.map(verbXml).join('')}</Response>`)
}
