// HTML written with a tagged template that escapes every interpolated value, so that no text from a flow, a
// contact or a request can become markup. `raw()` marks HTML that was built this way already (or is constant).
export class Html {
  constructor (readonly value: string) {}
  toString (): string { return this.value }
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => ESCAPES[c] as string)

function piece (v: unknown): string {
  if (v instanceof Html) return v.value
  if (Array.isArray(v)) return v.map(piece).join('')
  if (v === undefined || v === null || v === false) return ''
  return escapeHtml(String(v))
}

export function html (strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? ''
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + (strings[i + 1] ?? '')
  return new Html(out)
}

/** Markup that is already safe (built with html``, or produced by a module that escapes, such as the flow graph). */
export const raw = (s: string): Html => new Html(s)
