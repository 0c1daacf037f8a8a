// The Twilio REST surface under one version prefix: Basic auth first, form bodies only, then the routes.
import formbody from '@fastify/formbody'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import type { FaultService } from '../control/faults.js'
import { injectedFault } from '../twilio/errors.js'
import { notFoundHandler } from './errors.js'

/** Form fields that Twilio takes as repeated keys (v2 TestUsers); every other field keeps its first value. */
const LIST_FIELDS = new Set(['TestUsers'])

export interface TwilioApiOptions {
  faults: FaultService
  /** Each route plugin with its options. */
  routes: Array<[FastifyPluginAsync<any>, object]>
}

/**
 * Twilio reads only application/x-www-form-urlencoded bodies; any other body is read as no parameters (so a JSON
 * body meets "Missing required parameter …", as it does against the cloud). Applies to the plugin it is called in.
 */
export async function formBodiesOnly (app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  await app.register(formbody, { bodyLimit: app.initialConfig.bodyLimit })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => { done(null, {}) })
}

export async function twilioApi (app: FastifyInstance, opts: TwilioApiOptions) {
  await formBodiesOnly(app)

  app.addHook('onRequest', app.basicAuth)
  // Faults from the control API apply to authenticated requests, before anything else is read or written.
  app.addHook('onRequest', (request, reply, done) => {
    const fault = opts.faults.match(request.method, request.url.split('?', 1)[0] ?? request.url, request.caller?.accountSid)
    if (fault === undefined) { done(); return }
    const apply = (): void => {
      if (fault.drop) {
        reply.hijack()
        request.raw.socket?.destroy()
        return
      }
      if (fault.status !== null) { done(injectedFault(fault.status, fault.code ?? 20000 + fault.status, fault.message ?? 'Fault injected by Studio Emulator')); return }
      done()
    }
    if (fault.latency_ms > 0) setTimeout(apply, fault.latency_ms)
    else apply()
  })
  app.addHook('preValidation', (request, _reply, done) => {
    const body = request.body
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      request.body = {}
      done()
      return
    }
    // A repeated scalar field (To=a&To=b) keeps its first value, as servlet-style form parsing does.
    for (const key in body) {
      const value = (body as Record<string, unknown>)[key]
      if (Array.isArray(value) && !LIST_FIELDS.has(key)) (body as Record<string, unknown>)[key] = value[0]
    }
    done()
  })

  for (const [routes, options] of opts.routes) await app.register(routes, options)
  app.setNotFoundHandler(notFoundHandler)
}
