// Studio's webhook, where Twilio posts inbound messages for a flow: POST /v1/Accounts/{AccountSid}/Flows/{FlowSid}.
// No Basic auth (Twilio signs these requests instead); the account must be one the emulator knows. The body is
// Twilio's incoming-message webhook (From and To required; MessagingServiceSid when the number belongs to a
// Messaging Service); the fields left out get Twilio's defaults in studio/inbound.ts.
import type { FastifyInstance } from 'fastify'
import { missingParameter, resourceMissing } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import type { InboundService } from '../studio/inbound.js'
import { refusingOtherMethods } from '../http/methods.js'
import { formBodiesOnly } from '../http/twilio-api.js'

export interface InboundRoutesOptions {
  accountSids: readonly string[]
  inbound: InboundService
}

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

export const inboundRoutes = refusingOtherMethods(async function inboundRoutes (app: FastifyInstance, opts: InboundRoutesOptions) {
  await formBodiesOnly(app)
  const path = '/v1/Accounts/:AccountSid/Flows/:FlowSid'

  app.post<{ Params: { AccountSid: string, FlowSid: string }, Body: Record<string, unknown> }>(path, async function incomingMessage (request, reply) {
    const { AccountSid, FlowSid } = request.params
    if (!opts.accountSids.includes(AccountSid) || !isSid('FW', FlowSid)) throw resourceMissing()
    const body = request.body !== null && typeof request.body === 'object' ? request.body : {}
    const fields: Record<string, string> = {}
    for (const [k, v] of Object.entries(body)) fields[k] = Array.isArray(v) ? String(v[0]) : String(v)
    for (const name of ['From', 'To']) if (fields[name] === undefined || fields[name] === '') throw missingParameter(name)
    const result = opts.inbound.receiveMessage(AccountSid, FlowSid, fields)
    request.log.info({ flow: FlowSid, outcome: result.outcome, execution: result.executionSid }, 'inbound message')
    return await reply.code(200).header('x-studio-emulator-outcome', result.outcome).type('text/xml').send(EMPTY_TWIML)
  })
})
