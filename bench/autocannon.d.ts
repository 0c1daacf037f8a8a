// The part of autocannon 9's API the benchmark uses (the package ships no types, and @types/autocannon is not a
// dependency).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  namespace autocannon {
    interface RequestData {
      method?: string
      path?: string
      headers?: Record<string, string>
      body?: string | Buffer
    }

    interface Request extends RequestData {
      setupRequest?: (request: RequestData, context: object) => RequestData
      /** Called with each answer to this request (header names as the server sent them), before 'response'. */
      onResponse?: (status: number, body: string, context: object, headers: Record<string, string | string[]>) => void
    }

    /** One connection: 'headers' once an answer's headers are parsed. */
    interface Client extends EventEmitter {
      on: (event: 'headers', listener: () => void) => this
    }

    interface Options extends RequestData {
      url: string
      connections?: number
      duration?: number
      amount?: number
      /** Milliseconds between autocannon's samples; a run of `amount` requests ends on the tick after its last answer. */
      sampleInt?: number
      setupClient?: (client: Client) => void
      timeout?: number
      pipelining?: number
      requests?: Request[]
      excludeErrorStats?: boolean
    }

    interface Result {
      duration: number
      errors: number
      timeouts: number
      non2xx: number
      resets: number
      '2xx': number
      statusCodeStats: Record<string, { count: number }>
      requests: { total: number, average: number, sent: number }
    }

    interface Instance extends EventEmitter {
      stop: () => void
      on: ((event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void) => this) &
        ((event: 'done', listener: (result: Result) => void) => this) &
        ((event: string, listener: (...args: any[]) => void) => this)
    }
  }

  function autocannon (opts: autocannon.Options, cb: (err: Error | null, result: autocannon.Result) => void): autocannon.Instance

  export = autocannon
}
