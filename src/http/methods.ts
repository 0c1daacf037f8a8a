// Twilio answers a known path called with a method it does not serve with 405 and code 20004.
import type { FastifyInstance, HTTPMethods } from 'fastify'
import { methodNotAllowed } from '../twilio/errors.js'

const ALL: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Registers every method the path does not serve, so that they answer 405 rather than 404. */
export function refuseOtherMethods (app: FastifyInstance, url: string, served: HTTPMethods[]): void {
  const others = ALL.filter(m => !served.includes(m))
  app.route({
    method: others,
    url,
    handler: async (request) => { throw methodNotAllowed(request.url.split('?', 1)[0] ?? request.url, request.method) }
  })
}
