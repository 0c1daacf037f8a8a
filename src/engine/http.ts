// Outbound HTTP for make-http-request and run-function, with Studio's limits: 10 s, 64 kB, redirects followed, and
// the offline stand-ins of STUDIO_HTTP_MAP.
import type { HttpMapping } from '../types.js'

/** Studio: "Responses larger than 64 kB are not supported" and requests time out after 10 seconds. */
export const HTTP_TIMEOUT_MS = 10_000
export const HTTP_MAX_RESPONSE_BYTES = 64 * 1024

export interface HttpRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: string | undefined
}

export interface HttpResponse {
  status: number
  contentType: string
  body: string
  /** The response headers as Node's fetch gives them: names in lower case, repeated headers joined with `, `. */
  headers: Record<string, string>
}

export class HttpFailure extends Error {}

/**
 * The URL an HTTP widget requests under STUDIO_HTTP_MAP: the first (longest) mapping whose prefix starts the URL
 * swaps it for its base; otherwise the URL as rendered. Undefined mapping when none applies.
 */
export function mapUrl (url: string, mappings: readonly HttpMapping[]): { url: string, mapping?: HttpMapping } {
  let normalized: string
  try {
    normalized = new URL(url).toString()
  } catch {
    return { url }
  }
  const mapping = mappings.find(m => normalized.startsWith(m.prefix))
  return mapping === undefined ? { url } : { url: mapping.base + normalized.slice(mapping.prefix.length), mapping }
}

/** Response headers as an object: lower-case names (as fetch gives them), repeated headers joined with `, `. */
function headersOf (headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => { out[name] = name in out ? `${out[name]}, ${value}` : value })
  return out
}

export async function httpRequest (req: HttpRequest, limits = { timeoutMs: HTTP_TIMEOUT_MS, maxBytes: HTTP_MAX_RESPONSE_BYTES }): Promise<HttpResponse> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), limits.timeoutMs)
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
      redirect: 'follow',
      signal: controller.signal
    })
    const reader = res.body?.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > limits.maxBytes) {
          await reader.cancel().catch(() => undefined)
          throw new HttpFailure(`response over ${sizeText(limits.maxBytes)}`)
        }
        chunks.push(value)
      }
    }
    return {
      status: res.status,
      contentType: res.headers.get('content-type') ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
      headers: headersOf(res.headers)
    }
  } catch (err) {
    if (err instanceof HttpFailure) throw err
    if (controller.signal.aborted) throw new HttpFailure(`no response within ${limits.timeoutMs} ms`)
    const cause = (err as Error).cause
    throw new HttpFailure(cause instanceof Error ? causeText(cause) : (err as Error).message)
  } finally {
    clearTimeout(timer)
  }
}

/** 65536 → "64 kB"; a size that is no whole number of kB in bytes. */
const sizeText = (bytes: number): string => bytes % 1024 === 0 ? `${bytes / 1024} kB` : `${bytes} bytes`

/** The usual network errors named in words, their code and address kept: "connection refused (ECONNREFUSED 127.0.0.1:9)". */
const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'the connection closed before an answer'
}

function causeText (cause: Error): string {
  const c = cause as Error & { code?: unknown, address?: unknown, port?: unknown, hostname?: unknown }
  const words = typeof c.code === 'string' ? NETWORK_ERRORS[c.code] : undefined
  if (words === undefined) return cause.message
  const where = typeof c.address === 'string' ? ` ${c.address}${typeof c.port === 'number' ? `:${c.port}` : ''}` : typeof c.hostname === 'string' ? ` ${c.hostname}` : ''
  return `${words} (${c.code as string}${where})`
}
