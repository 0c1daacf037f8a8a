// Twilio answers a known path called with a method it does not serve with 405 and code 20004.
import type { FastifyInstance, HTTPMethods } from 'fastify'
import { methodNotAllowed } from '../twilio/errors.js'

/** The methods a served path refuses with 405. HEAD is Fastify's (served wherever GET is); TRACE and others stay 404. */
const ALL: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

type RoutePlugin<O> = (app: FastifyInstance, opts: O) => Promise<void>

/**
 * Wraps a route plugin so that every path it registers answers the methods it does not serve with 405 rather
 * than 404. The served methods are read from the routes the plugin registers (an onRoute hook, which also sees
 * the routes of plugins it registers and awaits); once the plugin is done, the other methods of each path are
 * registered to refuse.
 */
export function refusingOtherMethods<O> (plugin: RoutePlugin<O>): RoutePlugin<O> {
  const wrapped = async (app: FastifyInstance, opts: O): Promise<void> => {
    const served = new Map<string, Set<string>>()
    let collecting = true
    app.addHook('onRoute', (route) => {
      if (!collecting) return
      // Paths relative to this plugin's prefix, as app.route below takes them.
      const url = route.url.slice(app.prefix.length)
      const methods = served.get(url) ?? new Set<string>()
      for (const m of [route.method].flat()) methods.add(m)
      served.set(url, methods)
    })
    await plugin(app, opts)
    collecting = false
    for (const [url, methods] of served) {
      const others = ALL.filter(m => !methods.has(m))
      if (others.length === 0) continue
      app.route({
        method: others,
        url,
        handler: async (request) => { throw methodNotAllowed(request.url.split('?', 1)[0] ?? request.url, request.method) }
      })
    }
  }
  // Fastify names a plugin by its function (logs, avvio's tree).
  Object.defineProperty(wrapped, 'name', { value: plugin.name })
  return wrapped
}
