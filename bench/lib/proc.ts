// Child servers for the benchmark: spawn, find the port they listen on, measure time to first response and RSS,
// and make sure none outlives the benchmark (normal end, error, or signal).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { request, type IncomingHttpHeaders } from 'node:http'

const children = new Set<ChildProcess>()

function killAll (): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

/** Kills every child still running when the benchmark process ends, however it ends. */
export function installCleanup (cleanup: () => void = () => {}): void {
  process.on('exit', () => { killAll(); cleanup() })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`)
      process.exit(130)
    })
  }
}

export interface Server {
  name: string
  child: ChildProcess
  pid: number
  url: string
  /** From spawn() to the first 2xx answer to `readyPath`, in ms. */
  startupMs: number
  output: () => string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop: (graceMs?: number) => Promise<number | null>
}

export interface StartOptions {
  name: string
  /** Arguments after `node`: flags, script, script arguments. */
  args: string[]
  env: Record<string, string>
  cwd: string
  /** A path answered with 2xx once the server is ready (with `headers`). */
  readyPath: string
  headers?: Record<string, string>
  timeoutMs?: number
  /** Where the server prints its URL (first group), when it does; otherwise the port comes from /proc. */
  urlPattern?: RegExp
}

/** Starts `node <args>` and resolves once it answers `readyPath`; the child is killed if that does not happen. */
export async function startServer (opts: StartOptions): Promise<Server> {
  const timeoutMs = opts.timeoutMs ?? 30_000
  const t0 = performance.now()
  const child = spawn(process.execPath, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let out = ''
  const keep = (d: Buffer) => { out = (out + String(d)).slice(-64 * 1024) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  let url: string | undefined
  try {
    const pid = child.pid
    if (pid === undefined) throw new Error(`${opts.name}: spawn failed`)
    const deadline = t0 + timeoutMs
    // The URL comes from the JSON log line when the log level prints it (info), otherwise from the socket the
    // process listens on (/proc): at LOG_LEVEL=warn the emulator prints nothing at all.
    while (url === undefined) {
      if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${out}`)
      if (performance.now() > deadline) throw new Error(`${opts.name} did not listen within ${timeoutMs} ms:\n${out}`)
      const logged = (opts.urlPattern ?? /"url":"(http:\/\/127\.0\.0\.1:\d+)"/).exec(out)?.[1]
      const port = logged === undefined ? listeningPort(pid) : undefined
      url = logged ?? (port === undefined ? undefined : `http://127.0.0.1:${port}`)
      if (url === undefined) await sleep(2)
    }
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${out}`)
      if (performance.now() > deadline) throw new Error(`${opts.name} did not answer ${opts.readyPath} within ${timeoutMs} ms:\n${out}`)
      const status = await httpStatus(url + opts.readyPath, opts.headers ?? {}).catch(() => 0)
      if (status >= 200 && status < 300) break
      await sleep(2)
    }
    const startupMs = performance.now() - t0
    const serverUrl = url
    return {
      name: opts.name,
      child,
      pid,
      url: serverUrl,
      startupMs,
      output: () => out,
      stop: async (graceMs = 10_000) => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const code = await exited
        clearTimeout(timer)
        return code
      }
    }
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
}

/** GET with a fresh connection; resolves with the status code (the body is read and dropped). */
export function httpStatus (url: string, headers: Record<string, string>, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** GET returning status, headers and the body as text. */
export function httpGet (url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number, headers: IncomingHttpHeaders, text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** GET returning status and parsed JSON body (the text when it is not JSON). */
export async function httpJson (url: string, headers: Record<string, string>, timeoutMs = 10_000): Promise<{ status: number, body: any }> {
  const res = await httpGet(url, headers, timeoutMs)
  try {
    return { status: res.status, body: JSON.parse(res.text) }
  } catch {
    return { status: res.status, body: res.text }
  }
}

/** The TCP port a process listens on, from its socket fds and /proc/net/tcp{,6}; undefined while it listens on none. */
export function listeningPort (pid: number): number | undefined {
  const inodes = new Set<string>()
  let fds: string[]
  try {
    fds = readdirSync(`/proc/${pid}/fd`)
  } catch {
    return undefined
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m?.[1] !== undefined) inodes.add(m[1])
    } catch {}
  }
  if (inodes.size === 0) return undefined
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode; st 0A = LISTEN
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) return parseInt(cols[1]?.split(':')[1] ?? '', 16)
    }
  }
  return undefined
}

/** VmRSS, VmHWM (peak), RssAnon (heaps: V8, malloc, SQLite's cache) and RssFile (mapped code) of a process, in MB. */
export function memoryMb (pid: number): { rss: number, peak: number, anon: number, file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 }
}

export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))
