// JSON Schemas for the control API (/__emulator), and the strict validator they are checked with: unknown body
// fields and query parameters are refused (not dropped), and no type is coerced, so a typo such as
// {"advance": 5} is a 400 naming `advance` instead of a silent 200. Ranges and rules that need more than one
// field stay with the services (control/faults.ts) and the handlers (routes/control.ts).
import { AjvCompiler } from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler } from 'fastify'

/**
 * Fastify's own Ajv compiler (a dependency of fastify), without Fastify's defaults that would hide a bad request:
 * removeAdditional (drops unknown keys), coerceTypes ("5" → 5), useDefaults. Set on the control plugin only.
 */
export const strictValidatorCompiler: FastifySchemaCompiler<unknown> = AjvCompiler()({}, {
  customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, validateSchema: false }
}) as FastifySchemaCompiler<unknown>

const text = { type: 'string' } as const
const nonEmptyText = { type: 'string', minLength: 1 } as const

/**
 * A query string with only the named parameters, each read as text (a repeated one keeps its first value, see
 * routes/control.ts); numbers such as `limit` are checked by the handler, which caps them.
 */
function query<const N extends string> (...names: N[]) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(names.map(n => [n, text])) as Record<N, typeof text>
  } as const
}

export const noQuery = query()
export const resetQuery = query('account')
export const requestsQuery = query('method', 'path', 'status', 'limit')
export const eventsQuery = query('pending', 'limit')
export const outboxQuery = query('flow', 'execution', 'to', 'kind', 'account', 'limit')
export const clearOutboxQuery = query('account')
export const idleQuery = query('timeout_ms')

/** A POST or DELETE that takes no fields: no body, null or {}. */
export const noBody = { type: ['object', 'null'], additionalProperties: false, properties: {} } as const

/** POST /clock: {"advance_ms": 3600000}, {"set": "2030-01-01T00:00:00Z"}, {"freeze": true}, {"reset": true}; none is a tick. */
export const clockBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    advance_ms: { type: 'number' },
    set: text,
    freeze: { type: 'boolean' },
    reset: { type: 'boolean' }
  }
} as const

/** POST /widget-events: {"widget": "gather_1", "event": "keypress", "publish": {"Digits": "1"}, "flow_sid": "FW…", "times": 1}. */
export const widgetEventBody = {
  type: 'object',
  additionalProperties: false,
  required: ['widget', 'event'],
  properties: {
    widget: nonEmptyText,
    event: nonEmptyText,
    publish: { type: 'object' },
    flow_sid: text,
    times: { type: 'integer', minimum: 1 },
    after_ms: { type: 'integer', minimum: 0 }
  }
} as const

/** POST /faults (control/faults.ts FaultRuleInput); null for an optional field means its default, as before. */
export const faultRuleBody = {
  type: 'object',
  additionalProperties: false,
  required: ['path'],
  properties: {
    method: text,
    path: text,
    account_sid: { type: ['string', 'null'] },
    status: { type: ['integer', 'null'] },
    code: { type: ['integer', 'null'] },
    message: { type: ['string', 'null'] },
    latency_ms: { type: ['number', 'null'], minimum: 0, maximum: 600_000 },
    drop: { type: ['boolean', 'null'] },
    times: { type: ['integer', 'null'], minimum: 1 },
    probability: { type: ['number', 'null'], minimum: 0, maximum: 1 }
  }
} as const

/** POST /calls: {"flow_sid": "FW…", "from": "+1555…", "to": "+1555…", "account_sid": "AC…", "fields": {"CallerName": "…"}}. */
export const startCallBody = {
  type: 'object',
  additionalProperties: false,
  required: ['flow_sid', 'from', 'to'],
  properties: {
    flow_sid: nonEmptyText,
    from: nonEmptyText,
    to: nonEmptyText,
    account_sid: text,
    fields: { type: 'object', additionalProperties: { type: 'string' } }
  }
} as const

export const callsQuery = query('account', 'flow', 'execution', 'limit')

/** POST /calls/{CallSid}/digits: {"digits": "1#"}. */
export const digitsBody = {
  type: 'object', additionalProperties: false, required: ['digits'], properties: { digits: { type: 'string', pattern: '^[0-9*#]+$' } }
} as const

/** POST /calls/{CallSid}/speech: {"speech": "sales", "confidence": 0.92}. */
export const speechBody = {
  type: 'object',
  additionalProperties: false,
  required: ['speech'],
  properties: { speech: nonEmptyText, confidence: { type: 'number', minimum: 0, maximum: 1 } }
} as const

/** POST /calls/{CallSid}/answer: {"answered_by": "machine_start"} (optional). */
export const answerBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { answered_by: { enum: ['human', 'fax', 'unknown', 'machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other'] } }
} as const

/** POST /calls/{CallSid}/refuse: {"status": "busy"}. */
export const refuseBody = {
  type: 'object', additionalProperties: false, required: ['status'], properties: { status: { enum: ['busy', 'no-answer', 'failed'] } }
} as const

/** POST /calls/{CallSid}/continue: {"fields": {"DialCallStatus": "no-answer"}} (optional). */
export const continueBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { fields: { type: 'object', additionalProperties: { type: 'string' } } }
} as const

/** POST /conversations/{ConversationSid}/messages: {"flow_sid": "FW…", "author": "+1555…", "body": "hi"}. */
export const conversationMessageBody = {
  type: 'object',
  additionalProperties: false,
  required: ['flow_sid', 'author'],
  properties: { flow_sid: nonEmptyText, author: nonEmptyText, body: text, account_sid: text, attributes: text }
} as const
