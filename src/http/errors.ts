// Renders every failure as Twilio's error body: TwilioErrors as they are, Fastify's own errors mapped to
// Twilio codes, anything unexpected as a 500 without internals (logged with its request).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import {
  ResourceMissing, TwilioError, authenticationFailed, internalError, invalidParameter, malformedRequest,
  missingParameter, payloadTooLarge, resourceNotFound, unsupportedMediaType
} from '../twilio/errors.js'

/** The path Twilio names in a 404: without the version prefix or query ("/Flows/FW…/Executions"). */
export function resourcePath (url: string): string {
  const path = url.split('?', 1)[0] ?? '/'
  const m = /^\/v[12](\/.*)$/.exec(path)
  return m?.[1] ?? path
}

export function toTwilioError (err: FastifyError | ResourceMissing, request: FastifyRequest): TwilioError {
  if (err instanceof TwilioError) return err
  if (err instanceof ResourceMissing) return resourceNotFound(resourcePath(request.url))
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
    const e = malformedRequest(err.message)
    return status === 400 ? e : new TwilioError(status, e.code, e.message)
  }
  return internalError()
}

function fromValidation (err: FastifyError, request: FastifyRequest): TwilioError {
  const first = err.validation?.[0]
  // A path SID that does not match its pattern names no resource: 404, as Twilio answers.
  if (err.validationContext === 'params') return resourceNotFound(resourcePath(request.url))
  if (first === undefined) return malformedRequest(err.message)
  const name = first.instancePath.replace(/^\//, '').split('/')[0] ?? ''
  if (first.keyword === 'required') return missingParameter(String(first.params.missingProperty))
  if (err.validationContext === 'body' && first.keyword === 'minLength' && first.params.limit === 1) return missingParameter(name)
  if (first.keyword === 'enum') {
    const allowed = (first.params.allowedValues as unknown[]).join(', ')
    return invalidParameter(name, `must be one of ${allowed}`)
  }
  return invalidParameter(name === '' ? err.validationContext ?? 'request' : name, first.message ?? 'is not valid')
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
 * than the router takes (a SID that long names nothing: 404), both in Twilio's shape with a request id.
 */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? resourceNotFound(resourcePath(request.url))
    : malformedRequest('the URL is not validly percent-encoded')
  reply.code(e.status).header('Twilio-Request-Id', request.id).type('application/json').send(e.toJSON())
}
