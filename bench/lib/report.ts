// The benchmark's results: their JSON shape, the targets, and the Markdown table printed and kept in bench/README.md.
import type { LoadResult } from './load.js'

export interface Figures {
  rps: number
  p50_ms: number
  p99_ms: number
  p50_ms_1conn: number
  p99_ms_1conn: number
  /** Non-2xx answers and socket errors over both runs (should be 0). */
  failures: number
  bytes: number
}

/** A ceiling is measured before and after the cases read against it; its figures are the mean of the two. */
export interface CeilingFigures extends Figures {
  /** rps of the two runs: far apart means the machine was busy with something else. */
  rps_runs: [number, number]
}

export interface CaseFigures extends Figures {
  /** rps divided by the rps of `ceiling` measured in the same run. */
  ratio: number
  ceiling: CeilingName
}

export type CeilingName = 'hello_get' | 'create_post' | 'page_get'
export type CaseName = 'create' | 'fetch' | 'list' | 'list_deep' | 'list_window'

export interface Results {
  quick: boolean
  date: string
  ceilings: Record<CeilingName, CeilingFigures>
  cases: Record<CaseName, CaseFigures>
  /** Median of startup_runs_ms. */
  startup_ms: number
  startup_runs_ms: number[]
  rss_mb_idle: number
  rss_mb_loaded: number
  rss_mb_peak: number
  /** RssAnon (V8 heap, malloc, SQLite page cache) and RssFile (mapped node binary and libraries), MB. */
  rss_detail: { idle: { anon: number, file: number }, loaded: { anon: number, file: number } }
  bytes_per_execution: number
  /** The flow engine: a ten-widget REST-triggered flow without outbound HTTP. */
  engine: { executions: number, steps: number, seconds: number, steps_per_second: number }
  dataset: { executions: number, load_s: number, reused: boolean, database_mb: number, deep_page: number, window: [string, string], window_executions: number }
  created_executions: number
  targets: Array<{ target: string, value: string, met: boolean }>
  setup: { server: string, ceiling_server: string, load_generator: string, log_level: string, connections: number, duration_s: number, duration_s_1conn: number, warmup_s: number, settle_s: number, build: string }
  machine: { nproc: number, cpu: string, ram_gb: number, node: string, os: string, loadavg_at_start: number[] }
}

export function figures (c50: LoadResult, c1: LoadResult): Figures {
  return {
    rps: Math.round(c50.rps),
    p50_ms: round(c50.p50_ms),
    p99_ms: round(c50.p99_ms),
    p50_ms_1conn: round(c1.p50_ms),
    p99_ms_1conn: round(c1.p99_ms),
    failures: c50.non2xx + c50.errors + c1.non2xx + c1.errors,
    bytes: Math.round(c50.bytes)
  }
}

export function meanFigures (a: Figures, b: Figures): CeilingFigures {
  const mean = (k: 'rps' | 'p50_ms' | 'p99_ms' | 'p50_ms_1conn' | 'p99_ms_1conn') => round((a[k] + b[k]) / 2)
  return {
    rps: Math.round((a.rps + b.rps) / 2),
    p50_ms: mean('p50_ms'),
    p99_ms: mean('p99_ms'),
    p50_ms_1conn: mean('p50_ms_1conn'),
    p99_ms_1conn: mean('p99_ms_1conn'),
    failures: a.failures + b.failures,
    bytes: a.bytes,
    rps_runs: [a.rps, b.rps]
  }
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

export function evaluateTargets (r: Omit<Results, 'targets'>): Results['targets'] {
  const c = r.cases
  const t = (target: string, value: string, met: boolean) => ({ target, value, met })
  return [
    t('create ≥ 0.5 × ceiling (b)', c.create.ratio.toFixed(2), c.create.ratio >= 0.5),
    t('fetch ≥ 0.5 × ceiling (a)', c.fetch.ratio.toFixed(2), c.fetch.ratio >= 0.5),
    t('list ≥ 1.0 × ceiling (c)', c.list.ratio.toFixed(2), c.list.ratio >= 1.0),
    t('deep page within 10 % of page 1', (c.list_deep.rps / c.list.rps).toFixed(2), c.list_deep.rps >= 0.9 * c.list.rps),
    t('date window within 10 % of page 1', (c.list_window.rps / c.list.rps).toFixed(2), c.list_window.rps >= 0.9 * c.list.rps),
    t('create p99 < 10 ms at 50 connections', `${c.create.p99_ms} ms`, c.create.p99_ms < 10),
    t('fetch p99 < 10 ms at 50 connections', `${c.fetch.p99_ms} ms`, c.fetch.p99_ms < 10),
    t(`first response < 300 ms with ${r.dataset.executions} stored`, `${r.startup_ms} ms`, r.startup_ms < 300),
    t(`RSS < 150 MB with ${r.dataset.executions} stored`, `${r.rss_mb_idle} MB idle, ${r.rss_mb_loaded} MB after load (peak ${r.rss_mb_peak})`, Math.max(r.rss_mb_idle, r.rss_mb_loaded, r.rss_mb_peak) < 150)
  ]
}

const CEILING_LABEL: Record<CeilingName, string> = {
  hello_get: '(a) hello-world GET',
  create_post: '(b) create form POST',
  page_get: '(c) 50-execution page GET'
}

const CASE_LABEL: Record<CaseName, string> = {
  create: 'create (v1 POST)',
  fetch: 'fetch',
  list: 'list, page 1 of 50',
  list_deep: 'list, deep page',
  list_window: 'list, DateCreated window'
}

export function markdown (r: Results): string {
  const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`
  const lines = [
    row(['', 'vs', 'rps (50 conn)', 'ratio', 'p50 ms', 'p99 ms', 'p50 ms (1 conn)', 'p99 ms (1 conn)']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:'])
  ]
  for (const [name, f] of Object.entries(r.ceilings) as Array<[CeilingName, CeilingFigures]>) {
    lines.push(row([`ceiling ${CEILING_LABEL[name]}`, '', `${f.rps} (${f.rps_runs.join(', ')})`, '', f.p50_ms, f.p99_ms, f.p50_ms_1conn, f.p99_ms_1conn]))
  }
  for (const [name, f] of Object.entries(r.cases) as Array<[CaseName, CaseFigures]>) {
    lines.push(row([`emulator ${CASE_LABEL[name]}`, CEILING_LABEL[f.ceiling].slice(0, 3), f.rps, f.ratio.toFixed(2), f.p50_ms, f.p99_ms, f.p50_ms_1conn, f.p99_ms_1conn]))
  }
  const m = r.machine
  lines.push(
    '',
    '- a ceiling\'s rps is the mean of its runs before and after the cases read against it (both in brackets)',
    `- executions stored: ${r.dataset.executions} (bulk load ${r.dataset.load_s} s${r.dataset.reused ? ', cached from an earlier run' : ''}); ` +
      `deep page = page ${r.dataset.deep_page}; window ${r.dataset.window[0]} … ${r.dataset.window[1]} (${r.dataset.window_executions} executions)`,
    `- first response after process start: ${r.startup_ms} ms (median of ${r.startup_runs_ms.join(', ')} ms)`,
    `- RSS: ${r.rss_mb_idle} MB idle, ${r.rss_mb_loaded} MB after the load runs (peak ${r.rss_mb_peak} MB); ` +
      `of which anonymous ${r.rss_detail.idle.anon} → ${r.rss_detail.loaded.anon} MB, file-backed ${r.rss_detail.idle.file} → ${r.rss_detail.loaded.file} MB`,
    `- database: ${r.bytes_per_execution} bytes per execution (${r.dataset.database_mb} MB)`,
    `- flow engine: ${r.engine.steps_per_second} steps/s (${r.engine.executions} executions of a ten-widget REST-triggered flow without outbound HTTP, ${r.engine.steps} steps in ${r.engine.seconds} s, 20 creates in flight)`,
    `- machine: ${m.nproc} × ${m.cpu}, ${m.ram_gb} GB RAM, Node ${m.node}, ${m.os}; load average at start ${m.loadavg_at_start.join(' ')}`,
    `- ${r.quick ? 'BENCH_QUICK run' : 'full run'} of ${r.date}, emulator from ${r.setup.server} (${r.setup.build}), LOG_LEVEL=${r.setup.log_level}; ` +
      `per case: ${r.setup.warmup_s} s warm-up, ${r.setup.connections} connections × ${r.setup.duration_s} s (first ${r.setup.settle_s} s left out), 1 connection × ${r.setup.duration_s_1conn} s`,
    '',
    row(['target', 'value', 'met']),
    row(['---', '---', '---']),
    ...r.targets.map(t => row([t.target, t.value, t.met ? 'yes' : '**no**']))
  )
  return lines.join('\n')
}
