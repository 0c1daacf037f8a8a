// One load run with autocannon's API, in this (the benchmark's) process: the server under test is another process.
// Latency percentiles are computed here from every response time (autocannon's own histogram rounds to whole ms,
// too coarse for sub-millisecond answers), over the steady part of the run: requests sent in the first `settleS`
// seconds, while the connections are being opened and their first requests queue behind each other, are left out
// of both rps and latency.
import autocannon from 'autocannon'

export interface LoadSpec {
  url: string
  connections: number
  /** How long the run lasts; with `amount`, only what it is expected to last (it is stopped at 3 × that + 30 s). */
  durationS: number
  /** Send exactly this many requests, then stop (instead of stopping after `durationS`). */
  amount?: number
  method?: 'GET' | 'POST'
  path: string
  headers?: Record<string, string>
  body?: string
  /** Varies each request (its path or body); called once for every request sent. */
  vary?: (request: autocannon.RequestData) => autocannon.RequestData
  /**
   * Checks each 2xx answer (its body and headers, names as the server sent them): one that fails is counted in
   * `rejected`, not in rps or latency. Autocannon keeps every body for this, so it costs the load generator a little.
   */
  check?: (body: string, headers: Record<string, string | string[]>) => boolean
  /** Also time each response's first byte (its headers), from the request being written. */
  firstByte?: boolean
  /** Seconds at the start left out of the figures (default 0). */
  settleS?: number
}

export interface LoadResult {
  /** 2xx responses (that passed `check`) per second over the run. */
  rps: number
  p50_ms: number
  p99_ms: number
  /** Time to the response headers, with `firstByte`. */
  ttfb_p50_ms?: number
  ttfb_p99_ms?: number
  /** Responses counted in rps (after the settle time). */
  responses: number
  /** All 2xx answers, the settle time included (with `amount`, what the server did). */
  ok_all: number
  non2xx: number
  errors: number
  timeouts: number
  /** 2xx answers that failed `check`. */
  rejected: number
  /** Mean response size in bytes. */
  bytes: number
  /** From autocannon's start to the end of the run (with `amount`: to the last response), in seconds. */
  seconds: number
}

/** Non-2xx answers, socket errors and answers that failed their check: 0 in a valid run. */
export const failuresOf = (r: LoadResult): number => r.non2xx + r.errors + r.rejected

export async function runLoad (spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = []
  const firstBytes: number[] = []
  let ok = 0
  let okAll = 0
  let rejected = 0
  let bytes = 0
  let all = 0
  // autocannon calls a request's onResponse with the body and headers right before it emits 'response' for the
  // same answer, on the same tick: the verdict waits here for that event.
  let verdict = true
  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    path: spec.path,
    headers: spec.headers ?? {},
    ...(spec.body !== undefined && { body: spec.body }),
    ...(spec.vary !== undefined && { setupRequest: spec.vary }),
    ...(spec.check !== undefined && {
      onResponse: (status: number, body: string, _context: object, headers: Record<string, string | string[]>) => {
        verdict = status < 200 || status >= 300 || (spec.check as NonNullable<LoadSpec['check']>)(body, headers)
      }
    })
  }
  // First byte: one request in flight per connection (no pipelining), so the time from a connection's 'headers'
  // event to its 'response' (the last byte) is that answer's body; the response time less that is the time to the
  // headers, from the same start autocannon times the response from.
  const headersAt = new WeakMap<object, number>()
  const setupClient = (client: autocannon.Client) => {
    client.on('headers', () => headersAt.set(client, performance.now()))
  }
  // Without a settle time every answer counts, the first requests' too (autocannon writes them before 'start').
  const settle = (spec.settleS ?? 0) > 0
  let started = performance.now()
  let steadyFrom = Infinity
  let lastResponse = started
  let instance: autocannon.Instance | undefined
  const limitS = spec.amount === undefined ? spec.durationS + 30 : spec.durationS * 3 + 30
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // A hard stop well after the planned end, should the server stop answering.
    const guard = setTimeout(() => instance?.stop(), limitS * 1000)
    instance = autocannon({
      url: spec.url,
      connections: spec.connections,
      ...(spec.amount === undefined
        ? { duration: spec.durationS }
        // Autocannon notices that every connection is done on its next sample tick (every second by default):
        // frequent ticks end the run right after its last answer, so that what follows it (the engine's idle) is
        // timed from there.
        : { amount: spec.amount, sampleInt: 20 }),
      timeout: 10,
      requests: [request],
      ...(spec.firstByte === true && { setupClient })
    }, (err, res) => {
      clearTimeout(guard)
      if (err !== null) reject(err)
      else resolve(res)
    })
    instance.on('start', () => {
      started = performance.now()
      steadyFrom = started + (spec.settleS ?? 0) * 1000
    })
    instance.on('response', (client, statusCode, resBytes, responseTime) => {
      all++
      lastResponse = performance.now()
      const good = verdict
      verdict = true
      if (statusCode < 200 || statusCode >= 300) return
      if (!good) {
        rejected++
        return
      }
      okAll++
      if (settle && lastResponse - responseTime < steadyFrom) return
      ok++
      bytes += resBytes
      latencies.push(responseTime)
      if (spec.firstByte === true) firstBytes.push(responseTime - (lastResponse - (headersAt.get(client as object) ?? NaN)))
    })
  })
  // Responses to requests sent after steadyFrom, over the time from steadyFrom to the end.
  const ended = spec.amount === undefined ? performance.now() : lastResponse
  const elapsedS = Math.max(0.001, (ended - Math.min(settle ? steadyFrom : started, ended)) / 1000)
  if (ok === 0) throw new Error(`no 2xx response counted from ${spec.method ?? 'GET'} ${spec.path} in ${((ended - started) / 1000).toFixed(1)} s (${all} responses, ${okAll} 2xx in all but only those to requests sent after the first ${spec.settleS ?? 0} s count, ${result.non2xx} non-2xx, ${result.errors} errors, ${rejected} rejected)`)
  if (spec.amount !== undefined && all < spec.amount) throw new Error(`${spec.method ?? 'GET'} ${spec.path}: ${all} of ${spec.amount} requests answered before the time limit (${limitS} s)`)
  const sorted = Float64Array.from(latencies).sort()
  const ttfb = Float64Array.from(firstBytes).sort()
  return {
    rps: ok / elapsedS,
    p50_ms: percentile(sorted, 0.5),
    p99_ms: percentile(sorted, 0.99),
    ...(spec.firstByte === true && { ttfb_p50_ms: percentile(ttfb, 0.5), ttfb_p99_ms: percentile(ttfb, 0.99) }),
    responses: ok,
    ok_all: okAll,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    rejected,
    bytes: ok === 0 ? 0 : bytes / ok,
    seconds: (ended - started) / 1000
  }
}

function percentile (sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number
}

/**
 * A run of an exact number of requests (`attempt(amount)`) meant to last about `seconds`, sized from an estimated
 * `rate`: an attempt over in under 80 % of that time was sized from too low an estimate, so it counts as more
 * warm-up and the next one is sized from its own rate (two more at most). Every wait inside `attempt` is bounded.
 */
export async function sizedRun<T extends { seconds: number }> (rate: number, seconds: number, min: number, attempt: (amount: number) => Promise<T>): Promise<T & { amount: number }> {
  for (let tries = 1; ; tries++) {
    const amount = Math.max(min, Math.round(rate * seconds))
    const r = await attempt(amount)
    if (r.seconds >= 0.8 * seconds || tries === 3) return { ...r, amount }
    rate = amount / r.seconds
  }
}
