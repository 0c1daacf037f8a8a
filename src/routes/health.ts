// /healthz (the process answers) and /readyz (database open, writable, migrations applied): no auth, JSON.
import type { FastifyInstance } from 'fastify'
import type { Store } from '../db/store.js'

export async function healthRoutes (app: FastifyInstance, opts: { store: Store }) {
  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const readiness = opts.store.readiness()
    return await reply.code(readiness.ready ? 200 : 503).send({ status: readiness.ready ? 'ready' : 'unavailable', ...readiness })
  })
}
