// X-Twilio-Signature, as Twilio signs the requests it makes to webhooks and Functions: HMAC-SHA1 with the account's
// auth token over the full URL followed by every POST parameter, sorted by name, as name + value (a repeated
// name's values sorted and each appended with its name), base64. The helper libraries' validateRequest() checks it
// (twilio-node src/webhooks/webhooks.ts getExpectedTwilioSignature).
import { createHmac } from 'node:crypto'

export function twilioSignature (authToken: string, url: string, params: Iterable<[string, string]>): string {
  const byName = new Map<string, Set<string>>()
  for (const [name, value] of params) {
    const values = byName.get(name) ?? new Set<string>()
    values.add(value)
    byName.set(name, values)
  }
  let data = url
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...(byName.get(name) as Set<string>)].sort()) data += name + value
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64')
}
