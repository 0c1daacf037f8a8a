// The Twilio REST surface under one version prefix: Basic auth first, form bodies only, then the routes.
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { notFoundHandler } from './errors.js'

/** Form fields that Twilio takes as repeated keys (v2 TestUsers); every other field keeps its first value. */
const LIST_FIELDS = new Set(['TestUsers'])

export interface TwilioApiOptions {
  /** Each route plugin with its options. */
  routes: Array<[FastifyPluginAsync<any>, object]>
}

export async function twilioApi (app: FastifyInstance, opts: TwilioApiOptions) {
  // Twilio's API reads only application/x-www-form-urlencoded bodies; any other body is read as no parameters
  // (so a JSON body meets "Missing required parameter …", as it does against the cloud).
  app.removeAllContentTypeParsers()
  await app.register(formbody, { bodyLimit: app.initialConfig.bodyLimit })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => { done(null, {}) })

  app.addHook('onRequest', app.basicAuth)
  app.addHook('preValidation', async (request) => {
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      request.body = {}
      return
    }
    // A repeated scalar field (To=a&To=b) keeps its first value, as servlet-style form parsing does.
    for (const [key, value] of Object.entries(body)) {
      if (Array.isArray(value) && !LIST_FIELDS.has(key)) (body as Record<string, unknown>)[key] = value[0]
    }
  })

  for (const [routes, options] of opts.routes) await app.register(routes, options)
  app.setNotFoundHandler(notFoundHandler)
}
