// Studio's webhook, where Twilio posts for a flow: POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}. No Basic auth
// (Twilio signs these requests instead); the account must be one the emulator knows. Three kinds of post arrive:
// - a voice request (CallSid, CallStatus): a call, a report from its TwiML (`?FlowEvent=…`), or its status
//   callback; answered with TwiML (studio/calls.ts);
// - a Conversations onMessageAdded webhook (EventType, ConversationSid); studio/inbound.ts;
// - an incoming message (From and To required; MessagingServiceSid when the number belongs to a Messaging Service);
//   the fields left out get Twilio's defaults in studio/inbound.ts.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { invalidSignature, missingParameter, ResourceMissing, resourceMissing } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import { twilioSignature } from '../twilio/signature.js'
import { twimlResponse, type TwimlVerb } from '../twilio/twiml.js'
import { absoluteTwiml, isVoiceRequest, type CallService } from '../studio/calls.js'
import { isConversationEvent, type InboundService } from '../studio/inbound.js'
import { baseUrlOf } from '../http/base-url.js'
import { refusingOtherMethods } from '../http/methods.js'
import { formBodiesOnly } from '../http/twilio-api.js'

export interface InboundRoutesOptions {
  accountSids: readonly string[]
  /** STUDIO_CHECK_SIGNATURES: the auth token each post's X-Twilio-Signature must be computed with; none: not checked. */
  signedWith?: ((accountSid: string) => string | undefined) | undefined
  inbound: InboundService
  calls: CallService
  publicUrl: string | undefined
}

const sendTwiml = async (reply: FastifyReply, outcome: string, verbs: readonly TwimlVerb[]) =>
  await reply.code(200).header('x-studio-emulator-outcome', outcome).type('text/xml').send(twimlResponse(verbs))

/** Every form field as name/value pairs, a repeated one once per value (what the signature covers). */
function formPairs (body: unknown): Array<[string, string]> {
  if (body === null || typeof body !== 'object') return []
  return Object.entries(body).flatMap(([k, v]) => Array.isArray(v) ? v.map(x => [k, String(x)] as [string, string]) : [[k, String(v)] as [string, string]])
}

/**
 * Twilio's signature check, as the helper libraries' validateRequest() makes it: HMAC-SHA1 with the account's auth
 * token over the URL Twilio requested (on the emulator's public base URL, query included) and the POST parameters.
 * The URL is tried as seen and with its port dropped or added (validateRequest does the same).
 */
function checkSignature (signature: unknown, authToken: string, url: string, pairs: ReadonlyArray<[string, string]>): void {
  if (typeof signature !== 'string' || signature === '') throw invalidSignature('this flow webhook needs X-Twilio-Signature (STUDIO_CHECK_SIGNATURES is on)')
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw invalidSignature(`X-Twilio-Signature cannot be checked: the request's URL ${url} is not a URL`)
  }
  const host = u.port === '' ? u.host : u.host.slice(0, -(u.port.length + 1))
  const port = u.port === '' ? (u.protocol === 'https:' ? '443' : '80') : u.port
  const variants = [url, `${u.protocol}//${host}${u.pathname}${u.search}`, `${u.protocol}//${host}:${port}${u.pathname}${u.search}`]
  for (const candidate of variants) if (twilioSignature(authToken, candidate, pairs) === signature) return
  throw invalidSignature(`X-Twilio-Signature does not match ${url} and its parameters signed with the account's auth token`)
}

/** The first value of each form field (Twilio never repeats one). */
function formFields (body: unknown): Record<string, string> {
  const fields: Record<string, string> = {}
  if (body === null || typeof body !== 'object') return fields
  for (const [k, v] of Object.entries(body)) fields[k] = Array.isArray(v) ? String(v[0]) : String(v)
  return fields
}

export const inboundRoutes = refusingOtherMethods(async function inboundRoutes (app: FastifyInstance, opts: InboundRoutesOptions) {
  await formBodiesOnly(app)
  const path = '/v1/Accounts/:AccountSid/Flows/:FlowSid'

  app.post<{ Params: { AccountSid: string, FlowSid: string }, Querystring: Record<string, unknown>, Body: Record<string, unknown> }>(path, async function flowWebhook (request, reply) {
    const { AccountSid, FlowSid } = request.params
    if (!opts.accountSids.includes(AccountSid) || !isSid('FW', FlowSid)) throw resourceMissing()
    const authToken = opts.signedWith?.(AccountSid)
    if (authToken !== undefined) checkSignature(request.headers['x-twilio-signature'], authToken, `${baseUrlOf(request, opts.publicUrl)}${request.url}`, formPairs(request.body))
    try {
      const fields = formFields(request.body)
      // Studio's own URL parameters (the query string of the URLs in its TwiML, or ?FlowEvent=return from a TwiML Redirect).
      const query = formFields(request.query)

      if (isVoiceRequest(fields)) {
        // Extra parameters on a URL back to Studio (…?FlowEvent=return&foo=bar) reach the widget with the posted fields.
        const { FlowEvent, FlowStep, ...extra } = query
        const result = await opts.calls.receive(AccountSid, FlowSid, { ...extra, ...fields }, { FlowEvent, FlowStep })
        request.log.info({ flow: FlowSid, outcome: result.outcome, call: result.call?.sid, execution: result.call?.executionSid }, 'voice request')
        const webhookUrl = `${baseUrlOf(request, opts.publicUrl)}/v1/Accounts/${AccountSid}/Flows/${FlowSid}`
        return await sendTwiml(reply, result.outcome, absoluteTwiml(result.twiml, webhookUrl))
      }

      if (isConversationEvent(fields)) {
        const result = opts.inbound.receiveConversationMessage(AccountSid, FlowSid, fields)
        await result.recorded
        request.log.info({ flow: FlowSid, outcome: result.outcome, execution: result.executionSid }, 'conversation message')
        return await sendTwiml(reply, result.outcome, [])
      }

      for (const name of ['From', 'To']) if (fields[name] === undefined || fields[name] === '') throw missingParameter(name)
      const result = opts.inbound.receiveMessage(AccountSid, FlowSid, fields)
      await result.recorded
      request.log.info({ flow: FlowSid, outcome: result.outcome, execution: result.executionSid }, 'inbound message')
      return await sendTwiml(reply, result.outcome, [])
    } catch (err) {
      // A flow that cannot take this post (no published revision, another account's): 404 naming the webhook's path.
      if (err instanceof ResourceMissing) throw resourceMissing()
      throw err
    }
  })
})
