// The request journal: the last N Twilio API requests (a ring buffer), with secrets redacted, for tests to assert on.
import { compileGlob } from './glob.js'

export interface JournalEntry {
  request_id: string
  time: string
  method: string
  path: string
  query: Record<string, unknown>
  headers: Record<string, string>
  form: Record<string, unknown> | null
  status: number
  code: number | null
  latency_ms: number
  account_sid: string | null
}

/** What the request hook hands over: references, copied and redacted only when the journal is read. */
export interface JournalRecord {
  requestId: string
  time: number
  method: string
  path: string
  query: unknown
  headers: Record<string, string | string[] | undefined>
  body: unknown
  status: number
  code: number | null
  latencyMs: number
  accountSid: string | null
}

export interface JournalFilter {
  method?: string | undefined
  /** A path pattern (`*` one segment, `**` any) or an exact path. */
  path?: string | undefined
  /** An exact status (`404`) or a class (`4xx`). */
  status?: string | undefined
  limit?: number | undefined
}

export type Journal = ReturnType<typeof createJournal>

export function createJournal (size: number) {
  let entries: Array<JournalRecord | undefined> = new Array(size)
  let next = 0
  let count = 0

  function record (entry: JournalRecord): void {
    if (size === 0) return
    entries[next] = entry
    next = (next + 1) % size
    count = Math.min(count + 1, size)
  }

  /** Newest first. */
  function list (filter: JournalFilter = {}): JournalEntry[] {
    const method = filter.method?.toUpperCase()
    const path = filter.path === undefined ? undefined : compileGlob(filter.path)
    const status = filter.status
    const out: JournalEntry[] = []
    for (let i = 1; i <= count; i++) {
      const e = entries[(next - i + size) % size] as JournalRecord
      if (method !== undefined && e.method !== method) continue
      if (path !== undefined && !path(e.path)) continue
      if (status !== undefined && !matchesStatus(e.status, status)) continue
      out.push(toEntry(e))
      if (filter.limit !== undefined && out.length >= filter.limit) break
    }
    return out
  }

  function clear (): void {
    entries = new Array(size)
    next = 0
    count = 0
  }

  return { record, list, clear, size }
}

function toEntry (r: JournalRecord): JournalEntry {
  const body = r.body
  return {
    request_id: r.requestId,
    time: new Date(r.time).toISOString(),
    method: r.method,
    path: r.path,
    query: r.query !== null && typeof r.query === 'object' ? { ...(r.query as Record<string, unknown>) } : {},
    headers: redactedHeaders(r.headers),
    form: body !== null && typeof body === 'object' && !Buffer.isBuffer(body) ? { ...(body as Record<string, unknown>) } : null,
    status: r.status,
    code: r.code,
    latency_ms: r.latencyMs,
    account_sid: r.accountSid
  }
}

function matchesStatus (status: number, filter: string): boolean {
  const m = /^([1-5])xx$/i.exec(filter)
  return m !== null ? Math.floor(status / 100) === Number(m[1]) : String(status) === filter
}

/** Headers worth keeping, with the credential's secret removed (the username, an AC or SK SID, stays). */
export function redactedHeaders (headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['content-type', 'user-agent', 'x-twilio-signature', 'i-twilio-idempotency-token']) {
    const v = headers[name]
    if (typeof v === 'string') out[name] = v
  }
  const auth = headers.authorization
  if (typeof auth === 'string') {
    const m = /^basic\s+([\w.~+/-]+=*)\s*$/i.exec(auth)
    const username = m?.[1] === undefined ? undefined : Buffer.from(m[1], 'base64').toString('utf8').split(':', 1)[0]
    out.authorization = username === undefined ? '[redacted]' : `Basic ${username}:[redacted]`
  }
  return out
}
