// A local HTTP server for make-http-request and run-function tests: `handler` decides each answer; `seen` keeps
// every request (method, url, headers, body). Closed after the test.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { TestContext } from 'node:test'

export async function server (t: TestContext, handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const seen: Array<{ method: string, url: string, headers: IncomingMessage['headers'], body: string }> = []
  const s = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => { body += String(c) })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      handler(req, body, res)
    })
  })
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>(resolve => { s.closeAllConnections(); s.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, seen }
}
