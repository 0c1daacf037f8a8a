// Renders every failure as Twilio's error body: TwilioErrors as they are, Fastify's own errors mapped to
// Twilio codes, anything unexpected as a 500 without internals (logged with its request).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  ResourceMissing, TwilioError, authenticationFailed, clientError, internalError, invalidParameter, malformedRequest,
  missingParameter, payloadTooLarge, resourceNotFound, unsupportedMediaType
} from '../twilio/errors.js'
import { CORS_HEADERS, isTwilioApiPath, twilioApiHeaders } from './headers.js'

/** The path Twilio names in a 404: the request's, with its API version and without the query ("/v1/Flows/FW…/Executions"). */
export function resourcePath (url: string): string {
  return url.split('?', 1)[0] ?? '/'
}

/** A missing resource named by the service (a Flow), under the request's API version: /v2/Flows/FW…. */
function missingPath (err: ResourceMissing, url: string): string {
  if (err.resource === undefined) return resourcePath(url)
  const version = /^\/(v[12])\//.exec(url)?.[1]
  return version === undefined ? err.resource : `/${version}${err.resource}`
}

export function toTwilioError (err: FastifyError | ResourceMissing, request: FastifyRequest): TwilioError {
  if (err instanceof TwilioError) return err
  if (err instanceof ResourceMissing) return resourceNotFound(missingPath(err, request.url))
  if (err.validation !== undefined) return fromValidation(err, request)
  switch (err.code) {
    case 'FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER':
      return authenticationFailed(request.headers.authorization === undefined ? 'no-credentials' : 'unknown-username')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(request.routeOptions.bodyLimit ?? 1048576)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(String(request.headers['content-type'] ?? ''))
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    if (status === 401) return authenticationFailed('wrong-secret')
    return status === 400 ? malformedRequest(err.message) : clientError(status, err.message)
  }
  return internalError()
}

/** A request part that failed its schema, in words: the field it names and what is wrong with it. */
export interface InputProblem {
  /** The offending field or parameter; the part itself ("body", "querystring") when the whole is wrong. */
  field: string
  why: string
  /** The field is absent (or an empty required text). */
  missing: boolean
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How the route words a body that fails its schema; by default missingParameter / invalidParameter. */
    refuseBody?: (problem: InputProblem) => TwilioError
  }
}

function fromValidation (err: FastifyError, request: FastifyRequest): TwilioError {
  // A path SID that does not match its pattern names no resource: 404, as Twilio answers.
  if (err.validationContext === 'params') return resourceNotFound(resourcePath(request.url))
  const first = err.validation?.[0]
  if (first === undefined) return malformedRequest(err.message)
  const problem = describeProblem(first, err.validationContext ?? 'request', request)
  const refuseBody = request.routeOptions.config.refuseBody
  if (refuseBody !== undefined && err.validationContext === 'body') return refuseBody(problem)
  return problem.missing ? missingParameter(problem.field) : invalidParameter(problem.field, problem.why)
}

type SchemaError = NonNullable<FastifyError['validation']>[number]

function describeProblem (first: SchemaError, part: string, request: FastifyRequest): InputProblem {
  const name = first.instancePath.replace(/^\//, '').split('/')[0] ?? ''
  switch (first.keyword) {
    case 'required':
      return { field: String(first.params.missingProperty), why: 'is required', missing: true }
    case 'additionalProperties': {
      // Only the control API refuses unknown keys (its strict validator); Ajv names the key in params.
      const key = String(first.params.additionalProperty)
      const field = key === '' ? '""' : name === '' ? key : `${name}.${key}`
      return { field, why: `is not a known ${part === 'querystring' ? 'query parameter' : 'field'}${knownNames(request, part, name)}`, missing: false }
    }
    case 'enum':
      return { field: name, why: `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}`, missing: false }
  }
  // An empty required text reads as missing, as Twilio does.
  if (part === 'body' && first.keyword === 'minLength' && first.params.limit === 1) return { field: name, why: 'is required', missing: true }
  if (first.keyword === 'type') {
    if (name === '') return { field: part, why: 'must be a JSON object', missing: false }
    return { field: name, why: `must be ${[first.params.type].flat().map(t => TYPE_NAMES[String(t)] ?? String(t)).join(' or ')}`, missing: false }
  }
  return { field: name === '' ? part : name, why: first.message ?? 'is not valid', missing: false }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', object: 'an object', array: 'an array', null: 'null'
}

/** " (known: a, b)" from the route's schema for the part, so that a typo shows what was meant. */
function knownNames (request: FastifyRequest, part: string, nestedIn: string): string {
  if (nestedIn !== '') return ''
  const schema = request.routeOptions.schema?.[part === 'querystring' ? 'querystring' : 'body'] as { properties?: object } | undefined
  const names = Object.keys(schema?.properties ?? {})
  return names.length === 0 ? ' (this request takes none)' : ` (known: ${names.join(', ')})`
}

export async function errorHandler (this: unknown, err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const twilioError = toTwilioError(err, request)
  if (twilioError.status >= 500) request.log.error({ err }, 'unexpected error')
  request.twilioErrorCode = twilioError.code
  return await reply.code(twilioError.status).type('application/json').send(twilioError.toJSON())
}

export async function notFoundHandler (request: FastifyRequest, reply: FastifyReply) {
  const e = resourceNotFound(resourcePath(request.url))
  request.twilioErrorCode = e.code
  return await reply.code(404).type('application/json').send(e.toJSON())
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Twilio error code of the response, for the request log and journal. */
    twilioErrorCode?: number
  }
}

/**
 * Errors Fastify meets before routing: a path that does not percent-decode (400) and a path parameter longer
 * than the router takes (a SID that long names nothing: 404), both in Twilio's shape with a request id. No hook
 * runs this early, so the answer is written here with every header a routed answer gets: Twilio-Request-Id, CORS
 * and, under /v1 and /v2, Twilio-Request-Duration, Twilio-Concurrent-Requests and the constant ones.
 * `inFlight` is how many other API requests are being answered (the count app.ts keeps for its onSend hook).
 */
export function frameworkErrorsFor (inFlight: () => number) {
  return function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const started = performance.now()
    const e = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? resourceNotFound(resourcePath(request.url))
      : malformedRequest('the URL is not validly percent-encoded')
    // Written raw: Fastify would add a charset to the JSON type.
    const body = JSON.stringify(e.toJSON())
    reply.hijack()
    reply.raw.writeHead(e.status, {
      'twilio-request-id': request.id,
      ...(isTwilioApiPath(request.url) && { ...CORS_HEADERS, ...twilioApiHeaders(performance.now() - started, inFlight() + 1) }),
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body)
    })
    reply.raw.end(body)
  }
}
