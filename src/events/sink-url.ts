// A webhook sink URL as Event Streams uses it. Twilio's webhook quickstart ("Authenticate your webhook sink",
// https://www.twilio.com/docs/events/webhook-quickstart): user info in the destination URL makes Event Streams send
// HTTP Basic credentials on every request (Digest is not supported), without waiting for a 401. So:
// - the request goes to the URL without its user info (fetch refuses a URL carrying credentials), with
//   `Authorization: Basic base64(user:password)` (user and password percent-decoded);
// - X-Twilio-Signature is computed over the destination URL as configured, credentials included: Twilio signs "the
//   Webhook URL set in Twilio" (webhooks-security), and twilio-node's own test "should validate urls with credentials"
//   (spec/validation.spec.js) expects the signature of https://user:pass@mycompany.com/… to be the HMAC of that very
//   string; its validateRequest keeps the user info in every URL variant it tries (port added or removed). A sink that
//   rebuilds the URL from the request line (which has no credentials) must add them back, as with any Twilio webhook;
// - the password is never shown: `redacted` (user:***@) is what logs and listings may print, and `scrub` removes it
//   from any text (an error message) that could carry it.
export interface SinkUrl {
  /** Where requests go: the URL without user info. */
  target: string
  /** What is signed: the URL as configured, with its user info. */
  signed: string
  /** `Basic …` when the URL has user info. */
  authorization: string | undefined
  /** The URL with its password replaced by *** (for logs and listings). */
  redacted: string
  /** Text with every form of the password replaced by ***. */
  scrub: (text: string) => string
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text // a stray % that is not an escape: taken as written
  }
}

export function parseSinkUrl (url: string): SinkUrl {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { target: url, signed: url, authorization: undefined, redacted: url, scrub: text => text }
  }
  if (parsed.username === '' && parsed.password === '') return { target: url, signed: url, authorization: undefined, redacted: url, scrub: text => text }
  const user = decode(parsed.username)
  const password = decode(parsed.password)
  const authorization = 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64')
  const bare = new URL(parsed.href)
  bare.username = ''
  bare.password = ''
  const hidden = new URL(parsed.href)
  if (hidden.password !== '') hidden.password = '***'
  // Longest first, so that a form containing another is replaced whole.
  const secrets = [...new Set([parsed.password, password, encodeURIComponent(password)])].filter(s => s !== '').sort((a, b) => b.length - a.length)
  const scrub = (text: string): string => secrets.reduce((t, s) => t.split(s).join('***'), text)
  return { target: bare.href, signed: url, authorization, redacted: hidden.href, scrub }
}

/** The sink URL as it may be shown: its password (if any) replaced by ***. */
export function redactUrl (url: string): string {
  return parseSinkUrl(url).redacted
}
