// The headers Twilio's API sends with every response, beside Twilio-Request-Id (app.ts adds them all).
/**
 * CORS as Twilio's API answers it, on every response of its API (captured api.twilio.com headers, 2023): any origin
 * may call with an Authorization header; ETag is exposed. Not on the control API or the inspector (http/cross-site.ts).
 */
export const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'true',
  'access-control-allow-headers': 'Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, Idempotency-Key',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-expose-headers': 'ETag'
} as const

/** The other headers Twilio's API sends with every response (Twilio-Request-Id and -Duration are per request). */
export const TWILIO_HEADERS = { 'x-api-domain': 'studio.twilio.com', 'x-home-region': 'us1', 'x-powered-by': 'AT-5000', 'x-shenanigans': 'none' } as const

/** A request to Twilio's API (/v1/…, /v2/…): its answers carry Twilio's headers below. */
export const isTwilioApiPath = (url: string): boolean => url.startsWith('/v1/') || url.startsWith('/v2/')

/**
 * Twilio's headers for an answer of its API, beside Twilio-Request-Id and CORS: Twilio-Request-Duration (the
 * seconds the request took, three decimals), Twilio-Concurrent-Requests (the API requests being answered at that
 * moment, this one included, so at least 1) and the constant ones.
 */
export function twilioApiHeaders (elapsedMs: number, concurrent: number): Record<string, string> {
  return {
    'twilio-request-duration': (Math.max(0, elapsedMs) / 1000).toFixed(3),
    'twilio-concurrent-requests': String(Math.max(1, concurrent)),
    ...TWILIO_HEADERS
  }
}
