// JSON Schemas for Fastify: form bodies (PascalCase, as the spec spells them), path params, and the response
// shapes that fast-json-stringify serializes. Response fields follow twilio-oai's component schemas.
import type { ExecutionSurface } from '../resources/surface.js'
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

export const stepParams = {
  type: 'object',
  required: ['FlowSid', 'Sid', 'StepSid'],
  properties: { FlowSid: sid('FW'), Sid: sid('FN'), StepSid: sid('FT') }
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

export function executionContextSchema (surface: ExecutionSurface) {
  return {
    type: 'object',
    properties: { account_sid: str, context: anyJson, flow_sid: str, [surface.parentSidField]: str, url: str }
  } as const
}

export function stepSchema (surface: ExecutionSurface) {
  return {
    type: 'object',
    properties: {
      sid: str,
      account_sid: str,
      flow_sid: str,
      [surface.parentSidField]: str,
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
}

export function stepContextSchema (surface: ExecutionSurface) {
  return {
    type: 'object',
    properties: { account_sid: str, context: anyJson, [surface.parentSidField]: str, flow_sid: str, step_sid: str, url: str }
  } as const
}

const validationErrors = { type: ['array', 'null'], items: { type: 'object', properties: { message: str, property_path: str } } } as const

export const flowV2 = {
  type: 'object',
  properties: {
    sid: str,
    account_sid: str,
    author_sid: nullable('string'),
    friendly_name: str,
    definition: anyJson,
    status: str,
    revision: { type: 'integer' },
    commit_message: nullable('string'),
    valid: nullable('boolean'),
    errors: validationErrors,
    warnings: validationErrors,
    date_created: str,
    date_updated: nullable('string'),
    webhook_url: str,
    url: str,
    links: { type: 'object', properties: { test_users: str, revisions: str, executions: str } }
  }
} as const

export const flowV1 = {
  type: 'object',
  properties: {
    sid: str,
    account_sid: str,
    friendly_name: str,
    status: str,
    version: { type: 'integer' },
    date_created: str,
    date_updated: nullable('string'),
    url: str,
    links: { type: 'object', properties: { engagements: str, executions: str } }
  }
} as const

export const flowRevision = {
  type: 'object',
  properties: {
    sid: str,
    account_sid: str,
    author_sid: nullable('string'),
    definition: anyJson,
    friendly_name: str,
    status: str,
    revision: { type: 'integer' },
    commit_message: nullable('string'),
    valid: nullable('boolean'),
    errors: validationErrors,
    date_created: str,
    date_updated: nullable('string'),
    url: str
  }
} as const

export const testUsers = {
  type: 'object',
  properties: { sid: str, test_users: { type: 'array', items: str }, url: str }
} as const

export const flowValidate = { type: 'object', properties: { valid: { type: 'boolean' } } } as const

const flowStatus = { type: 'string', minLength: 1 } as const

export const createFlowBody = {
  type: 'object',
  required: ['FriendlyName', 'Status', 'Definition'],
  properties: { FriendlyName: requiredText, Status: flowStatus, Definition: requiredText, CommitMessage: str, AuthorSid: str }
} as const

export const updateFlowBody = {
  type: 'object',
  required: ['Status'],
  properties: { Status: flowStatus, FriendlyName: requiredText, Definition: requiredText, CommitMessage: str, AuthorSid: str }
} as const

export const testUsersBody = {
  type: 'object',
  required: ['TestUsers'],
  properties: { TestUsers: { type: 'array', items: str } }
} as const

export const flowSidParams = {
  type: 'object',
  required: ['Sid'],
  properties: { Sid: sid('FW') }
} as const

export const revisionParams = {
  type: 'object',
  required: ['Sid', 'Revision'],
  properties: { Sid: sid('FW'), Revision: str }
} as const
