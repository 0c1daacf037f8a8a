// --log-pretty: pino's JSON lines rewritten for humans ("12:00:01.234 INFO  POST /v1/… 200 3.1ms AC… RQ…").
import { Writable } from 'node:stream'

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'method', 'path', 'status', 'latency_ms', 'account', 'code'])

/** One JSON log line → one readable line; anything that is not JSON passes through unchanged. */
export function formatLogLine (line: string): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : ''
  const level = LEVELS[o.level as number] ?? String(o.level)
  const parts = [time, level]
  if (o.msg === 'request') {
    parts.push(String(o.method), String(o.path), String(o.status), `${String(o.latency_ms)}ms`)
    if (o.code !== undefined) parts.push(`code=${String(o.code)}`)
    if (o.account !== undefined) parts.push(String(o.account))
  } else if (o.msg !== undefined) parts.push(String(o.msg))
  // The start-up banner says everything in its message; its fields are for JSON readers.
  if (o.banner === true) return parts.join(' ')
  for (const [k, v] of Object.entries(o)) if (!SKIP.has(k)) parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  if (o.reqId !== undefined) parts.push(String(o.reqId))
  return parts.join(' ')
}

export function prettyLogStream (out: NodeJS.WritableStream): Writable {
  let pending = ''
  return new Writable({
    write (chunk: Buffer, _encoding, done) {
      pending += chunk.toString('utf8')
      let nl
      while ((nl = pending.indexOf('\n')) >= 0) {
        out.write(formatLogLine(pending.slice(0, nl)) + '\n')
        pending = pending.slice(nl + 1)
      }
      done()
    }
  })
}
