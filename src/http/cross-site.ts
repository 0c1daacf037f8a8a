// A request another site's page made a browser send: its Origin names another host, or the browser says so
// (Sec-Fetch-Site: cross-site). The control API and the inspector change nothing for such a request (a page on any
// site could otherwise reset the emulator with a form post, which needs no CORS preflight). Clients that are not
// browsers (curl, the helper libraries, tests) send no Origin and are not affected.
import type { FastifyRequest } from 'fastify'

/** `publicUrl`: STUDIO_PUBLIC_URL, whose host is this emulator's too (behind a proxy). */
export function crossSiteCheck (publicUrl: string | undefined): (request: FastifyRequest) => boolean {
  const publicHost = publicUrl === undefined ? undefined : new URL(publicUrl).host
  return (request) => {
    if (request.headers['sec-fetch-site'] === 'cross-site') return true
    const origin = request.headers.origin
    if (origin === undefined) return false
    let host: string
    try { host = new URL(origin).host } catch { return true }
    return host !== request.headers.host?.toLowerCase() && host !== publicHost
  }
}
