// Twilio's error model: one class, one factory per condition, and every message text Twilio uses.
// Body fields are the ones twilio-node's RestException reads (code, message, more_info, status, details), plus the
// `detail` sentence Twilio's 401s carry; a `type` or `title` key would change the exception class the helper
// libraries raise.

export class TwilioError extends Error {
  constructor (
    readonly status: number,
    readonly code: number,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Twilio's `detail` sentence, on the errors whose captured bodies carry one (401 20003). */
    readonly detail?: string
  ) {
    super(message)
    this.name = 'TwilioError'
  }

  toJSON (): TwilioErrorBody {
    // Keys in Twilio's order (alphabetical, as in its captured bodies).
    return {
      code: this.code,
      ...(this.detail !== undefined && { detail: this.detail }),
      ...(this.details !== undefined && { details: this.details }),
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status
    }
  }
}

export interface TwilioErrorBody {
  code: number
  message: string
  more_info: string
  status: number
  details?: Record<string, unknown>
  detail?: string
}

/** 20001, verbatim Twilio wording for a required form field that is absent or empty. */
export function missingParameter (name: string): TwilioError {
  return new TwilioError(400, 20001, `Missing required parameter ${name} in the post body`)
}

/** 20001 for a parameter that is present but unusable (bad enum value, bad number, bad date, bad JSON). */
export function invalidParameter (name: string, why: string): TwilioError {
  return new TwilioError(400, 20001, `Invalid parameter ${name}: ${why}`)
}

export type AuthenticationProblem = 'no-credentials' | 'unknown-username' | 'wrong-secret'

/**
 * 20003, with the three messages captured from Twilio: no Authorization header, an unknown account or key SID,
 * and a wrong token or secret (docs/fidelity.md, "Authentication").
 */
export function authenticationFailed (problem: AuthenticationProblem): TwilioError {
  const message = {
    'no-credentials': 'Authentication Error - No credentials provided',
    'unknown-username': 'Authentication Error - invalid username',
    'wrong-secret': 'Authenticate'
  }[problem]
  return new TwilioError(401, 20003, message, undefined, 'Your AccountSid or AuthToken was incorrect.')
}

/**
 * What the layers below HTTP throw when the resource a request names does not exist: they do not know the
 * request's path, so the HTTP error handler answers it as resourceNotFound(the request's path).
 */
export class ResourceMissing extends Error {
  /** The resource to name instead of the request's path, without the API version (e.g. /Flows/FW…). */
  readonly resource: string | undefined
  constructor (resource?: string) {
    super('The requested resource was not found')
    this.name = 'ResourceMissing'
    this.resource = resource
  }
}

export function resourceMissing (): ResourceMissing {
  return new ResourceMissing()
}

/** 20404 names the request's path with its API version, as Twilio does: "/v1/Flows/FW…/Executions/FN…". */
export function resourceNotFound (path: string): TwilioError {
  return new TwilioError(404, 20404, `The requested resource ${path} was not found`)
}

/**
 * A flow that cannot start executions (unknown in strict mode, or with no published revision): 404 for the Flow,
 * named with the request's API version (/v2/Flows/FW…) by the HTTP error handler.
 */
export function flowNotFound (flowSid: string): ResourceMissing {
  return new ResourceMissing(`/Flows/${flowSid}`)
}

/** 20004 names the full request path, version included, as captured from Twilio. */
export function methodNotAllowed (path: string, method: string): TwilioError {
  return new TwilioError(405, 20004, `The requested resource ${path} does not support the attempted HTTP method ${method}`)
}

/** Studio error 81023: "the To and From parameters may not collectively exceed 300 bytes". */
export function malformedContactParameters (): TwilioError {
  return new TwilioError(400, 81023, 'Creating an Execution via REST API failed due to malformed contact parameters: To and From may not exceed 300 bytes together')
}

export function executionAlreadyEnded (sid: string): TwilioError {
  return new TwilioError(409, 20409, `Execution ${sid} has already ended`)
}

export function executionCannotBeReactivated (sid: string): TwilioError {
  return new TwilioError(409, 20409, `Execution ${sid} has ended and cannot be set back to active`)
}

/** The contact was played for something its call or execution is not doing now (digits while no Gather listens, a reply nobody waits for, …). */
export function contactStateConflict (why: string): TwilioError {
  return new TwilioError(409, 20409, why)
}

/** v2's documented conflict body when the contact already has an active execution in the flow. */
export function executionAlreadyActive (sid: string): TwilioError {
  return new TwilioError(409, 20409,
    `Execution ${sid} is already active for this contact. End the active Execution before creating a new one`,
    { conflicting_execution_sid: sid })
}

/**
 * A definition that fails validation where a valid one is required (publishing, Validate): 400 with Studio's code
 * 81022 ("Flow definition validation failed") and the failures in `details.errors` as `{message, property_path}`
 * (twilio-node 3.42.2 changelog; consumers read `err.details.errors`). docs/fidelity.md, "Flow validation".
 */
export function invalidFlowDefinition (errors: Array<{ message: string, property_path: string }>): TwilioError {
  return new TwilioError(400, 81022, 'Invalid Flow Definition', { errors })
}

export function tooManyRequests (): TwilioError {
  return new TwilioError(429, 20429, 'Too Many Requests')
}

export function payloadTooLarge (limitBytes: number): TwilioError {
  return new TwilioError(413, 20413, `Request Entity Too Large: the body is over the ${limitBytes} bytes allowed`)
}

export function unsupportedMediaType (contentType: string): TwilioError {
  return new TwilioError(415, 20001, `Unsupported Content-Type ${contentType}`)
}

export function malformedRequest (why: string): TwilioError {
  return new TwilioError(400, 20001, `Malformed request: ${why}`)
}

export function internalError (): TwilioError {
  return new TwilioError(500, 20500, 'An internal server error has occurred')
}

/** Another 4xx that the HTTP framework raised (a status other than 400), with malformedRequest's code and wording. */
export function clientError (status: number, why: string): TwilioError {
  return new TwilioError(status, 20001, `Malformed request: ${why}`)
}

/** The answer a control API fault rule asks for: its own status, code and message (emulator-only). */
export function injectedFault (status: number, code: number, message: string): TwilioError {
  return new TwilioError(status, code, message)
}

/** The control API without its bearer token, when STUDIO_ADMIN_TOKEN is set (emulator-only). */
/** STUDIO_CHECK_SIGNATURES: a post to a flow's webhook without a valid X-Twilio-Signature. */
export function invalidSignature (why: string): TwilioError {
  return new TwilioError(403, 20403, `Forbidden: ${why}`)
}

/** A state-changing request to the control API or the inspector from another site's page (Origin or Sec-Fetch-Site): 403, whatever the token. */
export function crossSiteRequest (): TwilioError {
  return new TwilioError(403, 20403, 'Forbidden: the control API and the inspector take changes from this emulator\'s own page or from clients that are not browsers, not from another site (Origin or Sec-Fetch-Site)')
}

export function adminTokenRequired (): TwilioError {
  return new TwilioError(401, 20003, 'The control API needs Authorization: Bearer <STUDIO_ADMIN_TOKEN>')
}

/** A snapshot document the control API cannot import (emulator-only). */
export function invalidSnapshot (why: string): TwilioError {
  return new TwilioError(400, 20001, `Invalid snapshot: ${why}`)
}

/** A fault rule the control API cannot add (emulator-only). */
export function invalidFaultRule (why: string): TwilioError {
  return new TwilioError(400, 20001, `Invalid fault rule: ${why}`)
}
