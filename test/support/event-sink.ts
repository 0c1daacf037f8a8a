// A local Event Streams webhook sink for the tests under test/events/: it records every request (the URL as received,
// headers, the raw body and its events) and answers what `answer` says for that batch of events (204 by default), or
// never answers when `answer` says 'hang' (the connection stays open until the client gives up or the test ends).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'

/** status is 0 for a request the sink never answered. */
export interface SinkRequest { url: string, headers: IncomingHttpHeaders, body: string, events: any[], status: number }

export async function sink (t: TestContext, answer: (events: any[]) => number | 'hang' = () => 204) {
  const requests: SinkRequest[] = []
  let base = ''
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const events = JSON.parse(body) as any[]
      const status = answer(events)
      requests.push({ url: `${base}${req.url ?? ''}`, headers: req.headers, body, events, status: status === 'hang' ? 0 : status })
      if (status !== 'hang') res.writeHead(status).end()
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { server.close(() => resolve()); server.closeAllConnections() }))
  const port = (server.address() as { port: number }).port
  base = `http://127.0.0.1:${port}`
  return {
    url: `${base}/events`,
    port,
    requests,
    /** Every event in a request the sink answered with a 2xx. */
    delivered: () => requests.filter(r => r.status >= 200 && r.status <= 299).flatMap(r => r.events)
  }
}

export async function until (what: string, check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** GET /__emulator/events: every event, newest first. */
export async function outbox (app: FastifyInstance): Promise<any> {
  return (await app.inject({ method: 'GET', url: '/__emulator/events?limit=10000' })).json()
}
