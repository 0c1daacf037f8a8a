// The absolute base URL of a request, from STUDIO_PUBLIC_URL or the request's Host and X-Forwarded-Proto.
import type { FastifyRequest } from 'fastify'
import { publicBaseUrl } from '../twilio/urls.js'

export function baseUrlOf (request: FastifyRequest, configured: string | undefined): string {
  if (configured !== undefined) return configured
  return publicBaseUrl({
    host: request.headers.host,
    forwardedProto: request.headers['x-forwarded-proto'],
    protocol: request.protocol
  }, undefined)
}
