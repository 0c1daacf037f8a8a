// JSON Schemas for Fastify: form bodies (PascalCase, as the spec spells them), path params, and the response
// shapes that fast-json-stringify serializes. Response fields follow twilio-oai's component schemas.
import { sidPattern, type SidPrefix } from '../twilio/sid.js'

const sid = (prefix: SidPrefix) => ({ type: 'string', pattern: sidPattern(prefix) }) as const
const nullable = (type: string) => ({ type: [type, 'null'] }) as const
const str = { type: 'string' } as const
/** Any JSON: serialized with JSON.stringify, so a context keeps every key. */
const anyJson = {} as const

export const flowParams = {
  type: 'object',
  required: ['FlowSid'],
  properties: { FlowSid: sid('FW') }
} as const

export const executionParams = {
  type: 'object',
  required: ['FlowSid', 'Sid'],
  properties: { FlowSid: sid('FW'), Sid: sid('FN') }
} as const

export const executionChildParams = {
  type: 'object',
  required: ['FlowSid', 'ExecutionSid'],
  properties: { FlowSid: sid('FW'), ExecutionSid: sid('FN') }
} as const

export const stepParams = {
  type: 'object',
  required: ['FlowSid', 'ExecutionSid', 'Sid'],
  properties: { FlowSid: sid('FW'), ExecutionSid: sid('FN'), Sid: sid('FT') }
} as const

export const stepContextParams = {
  type: 'object',
  required: ['FlowSid', 'ExecutionSid', 'StepSid'],
  properties: { FlowSid: sid('FW'), ExecutionSid: sid('FN'), StepSid: sid('FT') }
} as const

/** An empty required field is reported as missing, as Twilio does. */
const requiredText = { type: 'string', minLength: 1 } as const

export const createExecutionBody = {
  type: 'object',
  required: ['To', 'From'],
  properties: { To: requiredText, From: requiredText, Parameters: str }
} as const

export const updateExecutionBody = {
  type: 'object',
  required: ['Status'],
  properties: { Status: { type: 'string', minLength: 1 } }
} as const

const metaSchema = {
  type: 'object',
  properties: {
    page: { type: 'integer' },
    page_size: { type: 'integer' },
    first_page_url: str,
    previous_page_url: nullable('string'),
    next_page_url: nullable('string'),
    url: str,
    key: str
  }
} as const

export function listResponse (key: string, item: object) {
  return {
    type: 'object',
    properties: {
      [key]: { type: 'array', items: item },
      meta: metaSchema
    }
  } as const
}

const executionCommon = {
  sid: str,
  account_sid: str,
  flow_sid: str,
  contact_sid: str,
  contact_channel_address: str,
  context: anyJson,
  status: str,
  date_created: str,
  date_updated: str,
  url: str,
  links: { type: 'object', properties: { steps: str, execution_context: str } }
} as const

export const executionV1 = { type: 'object', properties: executionCommon } as const

export const executionV2 = {
  type: 'object',
  properties: { ...executionCommon, flow_version: nullable('integer'), initiated_by: nullable('string') }
} as const

export const executionContext = {
  type: 'object',
  properties: { account_sid: str, context: anyJson, flow_sid: str, execution_sid: str, url: str }
} as const

export const executionStep = {
  type: 'object',
  properties: {
    sid: str,
    account_sid: str,
    flow_sid: str,
    execution_sid: str,
    parent_step_sid: nullable('string'),
    name: str,
    context: anyJson,
    transitioned_from: str,
    transitioned_to: str,
    type: str,
    date_created: str,
    date_updated: nullable('string'),
    url: str,
    links: { type: 'object', properties: { step_context: str } }
  }
} as const

export const executionStepContext = {
  type: 'object',
  properties: { account_sid: str, context: anyJson, execution_sid: str, flow_sid: str, step_sid: str, url: str }
} as const
