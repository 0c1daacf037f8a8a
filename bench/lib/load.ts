// One load run with autocannon's API, in this (the benchmark's) process: the server under test is another process.
// Latency percentiles are computed here from every response time (autocannon's own histogram rounds to whole ms,
// too coarse for sub-millisecond answers), over the steady part of the run: requests sent in the first `settleS`
// seconds, while the connections are being opened and their first requests queue behind each other, are left out
// of both rps and latency.
import autocannon from 'autocannon'

export interface LoadSpec {
  url: string
  connections: number
  durationS: number
  method?: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Varies each request (its path or body); called for every request sent. */
  vary?: (request: autocannon.RequestData) => autocannon.RequestData
  /** Seconds at the start left out of the figures (default 0). */
  settleS?: number
}

export interface LoadResult {
  /** 2xx responses per second over the run. */
  rps: number
  p50_ms: number
  p99_ms: number
  responses: number
  non2xx: number
  errors: number
  timeouts: number
  /** Mean response size in bytes. */
  bytes: number
}

export async function runLoad (spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = []
  let ok = 0
  let bytes = 0
  let all = 0
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers: spec.headers ?? {},
    ...(spec.body !== undefined && { body: spec.body }),
    ...(spec.vary !== undefined && { setupRequest: spec.vary })
  }
  let started = performance.now()
  let steadyFrom = Infinity
  let instance: autocannon.Instance | undefined
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // A hard stop well after the planned end, should the server stop answering.
    const guard = setTimeout(() => instance?.stop(), (spec.durationS + 30) * 1000)
    instance = autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: spec.durationS,
      timeout: 10,
      requests: [request]
    }, (err, res) => {
      clearTimeout(guard)
      if (err !== null) reject(err)
      else resolve(res)
    })
    instance.on('start', () => {
      started = performance.now()
      steadyFrom = started + (spec.settleS ?? 0) * 1000
    })
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      all++
      if (statusCode < 200 || statusCode >= 300 || performance.now() - responseTime < steadyFrom) return
      ok++
      bytes += resBytes
      latencies.push(responseTime)
    })
  })
  const ended = performance.now()
  // Responses to requests sent after steadyFrom, over the time from steadyFrom to the end.
  const elapsedS = Math.max(0.001, (ended - Math.min(steadyFrom, ended)) / 1000)
  if (ok === 0) throw new Error(`no 2xx response from ${spec.method ?? 'GET'} ${spec.path} (${all} responses, ${result.non2xx} non-2xx, ${result.errors} errors)`)
  const sorted = Float64Array.from(latencies).sort()
  return {
    rps: ok / elapsedS,
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
    responses: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bytes: ok === 0 ? 0 : bytes / ok
  }
}

function percentile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
}
