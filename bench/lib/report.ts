// The benchmark's results: their JSON shape, the targets, and the Markdown tables printed and kept in bench/README.md.
import type { EngineFigures } from './engine.js'
import type { InspectorCase } from './inspector.js'
import { failuresOf, type LoadResult } from './load.js'

export interface Figures {
  rps: number
  p50_ms: number
  p99_ms: number
  p50_ms_1conn: number
  p99_ms_1conn: number
  /** Non-2xx answers, socket errors and answers that failed their check, over both runs (should be 0). */
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

/** The inbound webhook: replies that resumed a waiting execution, read against the create case's rps. */
export interface InboundFigures extends Figures {
  /** rps ÷ the emulator create case's rps of the same run. */
  ratio: number
  flow_sid: string
  /** Replies in the measured runs (50 connections, 1 connection); each resumed a distinct waiting execution. */
  replies: number
  replies_1conn: number
  /** Executions started to wait for a reply (warm-up and both runs); every one was resumed and ended. */
  waiting_executions: number
  /** After the last reply at 50 connections, until the engine had run every resumed execution to its end. */
  drain_ms: number
}

/** An inspector page: throughput and full-response times as the other cases, plus time to the first byte. */
export interface InspectorFigures extends Figures {
  path: string
  ttfb_p50_ms: number
  ttfb_p99_ms: number
  ttfb_p50_ms_1conn: number
  ttfb_p99_ms_1conn: number
}

/** The create and fetch cases against Prism; ratios are the emulator's rps ÷ Prism's, both from this run. */
export interface PrismFigures {
  version: string
  spec: string
  log_level: string
  create: Figures
  fetch: Figures
  ratio_create: number
  ratio_fetch: number
}

/** fetch and list page 1 at one database size, each read against a ceiling measured around it. */
export interface GrowthPoint {
  executions: number
  fetch: CaseFigures
  list: CaseFigures
  /** The ceilings' rps (mean of the runs before and after this point's segment). */
  ceiling_rps: { hello_get: number, page_get: number }
  /** `main`: the run's own fetch and list cases; `short`: the shorter per-size runs of `Results.growth.run`. */
  runs: 'main' | 'short'
}

export interface Results {
  quick: boolean
  date: string
  ceilings: Record<CeilingName, CeilingFigures>
  cases: Record<CaseName, CaseFigures>
  /** The flow engine: a ten-widget REST-triggered flow without outbound HTTP; ratio = executions/s ÷ create rps. */
  engine: EngineFigures & { ratio: number }
  inbound: InboundFigures
  inspector: Record<InspectorCase, InspectorFigures>
  prism: PrismFigures
  growth: { points: GrowthPoint[], run: { warmup_s: number, duration_s: number, duration_s_1conn: number, settle_s: number } }
  /** Median of startup_runs_ms. */
  startup_ms: number
  startup_runs_ms: number[]
  rss_mb_idle: number
  /** After every emulator case (REST cases, engine, inbound, inspector). */
  rss_mb_loaded: number
  rss_mb_peak: number
  /** RssAnon (V8 heap, malloc, SQLite page cache) and RssFile (mapped node binary and libraries), MB. */
  rss_detail: { idle: { anon: number, file: number }, loaded: { anon: number, file: number } }
  /** VmRSS after each group of emulator cases, in the order they run (the last is rss_mb_loaded). */
  rss_mb_after: { rest_cases: number, engine: number, inbound: number, inspector: number }
  bytes_per_execution: number
  dataset: { executions: number, load_s: number, reused: boolean, database_mb: number, deep_page: number, window: [string, string], window_executions: number }
  /** Executions the create case wrote (counted in the run's copy afterwards). */
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
    failures: failuresOf(c50) + failuresOf(c1),
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

/** A case's figures read against a ceiling's. */
export function against (f: Figures, ceiling: CeilingName, cf: Figures): CaseFigures {
  return { ...f, ratio: round(f.rps / cf.rps), ceiling }
}

export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

/** Issue 16's targets. */
export function evaluateTargets (r: Omit<Results, 'targets'>): Results['targets'] {
  const c = r.cases
  const n = r.dataset.executions
  const t = (target: string, value: string, met: boolean) => ({ target, value, met })
  const inspector = (name: InspectorCase, label: string) => {
    const f = r.inspector[name]
    return t(`inspector ${label}: first byte p99 < 50 ms with ${n} stored (50 and 1 connections)`, `${f.ttfb_p99_ms} ms, ${f.ttfb_p99_ms_1conn} ms`, f.ttfb_p99_ms < 50 && f.ttfb_p99_ms_1conn < 50)
  }
  const growth = r.growth.points
  const small = growth[0]
  const large = growth[growth.length - 1]
  const flat = (k: 'fetch' | 'list') => small === undefined || large === undefined ? NaN : large[k].ratio / small[k].ratio
  return [
    t('create ≥ 0.7 × ceiling (b)', c.create.ratio.toFixed(2), c.create.ratio >= 0.7),
    t('fetch ≥ 0.5 × ceiling (a)', c.fetch.ratio.toFixed(2), c.fetch.ratio >= 0.5),
    t('list page 1 ≥ 1.0 × ceiling (c)', c.list.ratio.toFixed(2), c.list.ratio >= 1.0),
    t('deep page within 10 % of page 1', (c.list_deep.rps / c.list.rps).toFixed(2), c.list_deep.rps >= 0.9 * c.list.rps),
    t('date window within 10 % of page 1', (c.list_window.rps / c.list.rps).toFixed(2), c.list_window.rps >= 0.9 * c.list.rps),
    t('create p99 < 10 ms at 50 connections', `${c.create.p99_ms} ms`, c.create.p99_ms < 10),
    t('fetch p99 < 10 ms at 50 connections', `${c.fetch.p99_ms} ms`, c.fetch.p99_ms < 10),
    t(`first response < 300 ms with ${n} stored`, `${r.startup_ms} ms`, r.startup_ms < 300),
    t('flow engine ≥ 0.3 × create rps (executions/s)', r.engine.ratio.toFixed(2), r.engine.ratio >= 0.3),
    t('inbound replies ≥ 0.5 × create rps', r.inbound.ratio.toFixed(2), r.inbound.ratio >= 0.5),
    inspector('inspector_executions', 'executions view'),
    inspector('inspector_execution', 'one execution'),
    t('create ≥ 20 × Prism', r.prism.ratio_create.toFixed(1), r.prism.ratio_create >= 20),
    t('fetch ≥ 40 × Prism', r.prism.ratio_fetch.toFixed(1), r.prism.ratio_fetch >= 40),
    t(`fetch and list flat from ${small?.executions ?? '?'} to ${large?.executions ?? '?'} stored (ratio to ceiling within 10 %)`,
      `fetch ${flat('fetch').toFixed(2)}, list ${flat('list').toFixed(2)}`, flat('fetch') >= 0.9 && flat('list') >= 0.9),
    t(`RSS < 150 MB with ${n} stored, after every case`, `${r.rss_mb_idle} MB idle, ${r.rss_mb_loaded} MB after all cases (peak ${r.rss_mb_peak})`, Math.max(r.rss_mb_idle, r.rss_mb_loaded, r.rss_mb_peak) < 150),
    t('bytes per stored execution ≤ 710', String(r.bytes_per_execution), r.bytes_per_execution <= 710)
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

const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`

export function markdown (r: Results): string {
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
  const i = r.inbound
  lines.push(row(['emulator inbound reply (resumes a waiting execution)', 'create', i.rps, i.ratio.toFixed(2), i.p50_ms, i.p99_ms, i.p50_ms_1conn, i.p99_ms_1conn]))
  const e = r.engine
  lines.push(row(['emulator flow engine: ten-widget executions/s, to their end', 'create', e.executions_per_second, e.ratio.toFixed(2), '', '', '', '']))

  const m = r.machine
  lines.push(
    '',
    '- a ceiling\'s rps is the mean of its runs before and after the cases read against it (both in brackets); inbound and engine are read against the emulator create case\'s rps',
    `- executions stored: ${r.dataset.executions} (bulk load ${r.dataset.load_s} s${r.dataset.reused ? ', cached from an earlier run' : ''}); ` +
      `deep page = page ${r.dataset.deep_page}; window ${r.dataset.window[0]} … ${r.dataset.window[1]} (${r.dataset.window_executions} executions)`,
    `- inbound: ${i.replies} replies at 50 connections and ${i.replies_1conn} at 1, each to its own waiting execution (${i.waiting_executions} started over REST beforehand, every one resumed and ended); ` +
      `the engine finished the resumed executions ${i.drain_ms} ms after the last reply at 50 connections`,
    `- flow engine: ${e.executions} executions (${e.steps} steps, ${e.steps_per_second} steps/s) in ${e.seconds} s from the first create until /__emulator/idle, ${e.connections} creates in flight ` +
      `(their answers p50 ${e.create_p50_ms} ms, p99 ${e.create_p99_ms} ms); one create in flight: ${e.one_connection.executions_per_second} executions/s (${e.one_connection.executions} in ${e.one_connection.seconds} s)`,
    `- first response after process start: ${r.startup_ms} ms (median of ${r.startup_runs_ms.join(', ')} ms)`,
    `- RSS: ${r.rss_mb_idle} MB idle, ${r.rss_mb_loaded} MB after every emulator case (peak ${r.rss_mb_peak} MB); ` +
      `of which anonymous ${r.rss_detail.idle.anon} → ${r.rss_detail.loaded.anon} MB, file-backed ${r.rss_detail.idle.file} → ${r.rss_detail.loaded.file} MB; ` +
      `after the REST cases ${r.rss_mb_after.rest_cases} MB, the engine ${r.rss_mb_after.engine} MB, inbound ${r.rss_mb_after.inbound} MB, the inspector ${r.rss_mb_after.inspector} MB`,
    `- database: ${r.bytes_per_execution} bytes per execution (${r.dataset.database_mb} MB)`,
    `- machine: ${m.nproc} × ${m.cpu}, ${m.ram_gb} GB RAM, Node ${m.node}, ${m.os}; load average at start ${m.loadavg_at_start.join(' ')}`,
    `- ${r.quick ? 'BENCH_QUICK run' : 'full run'} of ${r.date}, emulator from ${r.setup.server} (${r.setup.build}), LOG_LEVEL=${r.setup.log_level}; ` +
      `per case: ${r.setup.warmup_s} s warm-up, ${r.setup.connections} connections × ${r.setup.duration_s} s (first ${r.setup.settle_s} s left out), 1 connection × ${r.setup.duration_s_1conn} s`,
    '',
    ...inspectorTable(r),
    '',
    ...prismTable(r),
    '',
    ...growthTable(r),
    '',
    row(['target', 'value', 'met']),
    row(['---', '---', '---']),
    ...r.targets.map(t => row([t.target, t.value, t.met ? 'yes' : '**no**']))
  )
  return lines.join('\n')
}

function inspectorTable (r: Results): string[] {
  const label: Record<InspectorCase, string> = { inspector_executions: 'executions view (newest 50)', inspector_execution: 'one execution (11 steps, graph)' }
  return [
    row(['inspector page', 'URL', 'rps (50 conn)', 'first byte p50 / p99 ms', 'full p99 ms', 'first byte p50 / p99 ms (1 conn)', 'full p99 ms (1 conn)', 'bytes']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...(Object.entries(r.inspector) as Array<[InspectorCase, InspectorFigures]>).map(([name, f]) =>
      row([label[name], `\`${f.path}\``, f.rps, `${f.ttfb_p50_ms} / ${f.ttfb_p99_ms}`, f.p99_ms, `${f.ttfb_p50_ms_1conn} / ${f.ttfb_p99_ms_1conn}`, f.p99_ms_1conn, f.bytes]))
  ]
}

function prismTable (r: Results): string[] {
  const p = r.prism
  const line = (name: string, emulator: CaseFigures, prism: Figures, ratio: number) =>
    row([name, emulator.rps, prism.rps, ratio.toFixed(1), `${prism.p50_ms} / ${prism.p99_ms}`, `${prism.p50_ms_1conn} / ${prism.p99_ms_1conn}`])
  return [
    row([`side by side: Prism ${p.version} (\`prism mock\`, verbose level ${p.log_level})`, 'emulator rps', 'Prism rps (50 conn)', 'emulator ÷ Prism', 'Prism p50 / p99 ms', 'Prism p50 / p99 ms (1 conn)']),
    row(['---', '---:', '---:', '---:', '---:', '---:']),
    line('create', r.cases.create, p.create, p.ratio_create),
    line('fetch', r.cases.fetch, p.fetch, p.ratio_fetch)
  ]
}

function growthTable (r: Results): string[] {
  const g = r.growth.run
  return [
    row(['executions stored', 'fetch rps', 'fetch ÷ (a)', 'fetch p99 ms', 'list page 1 rps', 'list ÷ (c)', 'list p99 ms', '(a) rps', '(c) rps', 'runs']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']),
    ...r.growth.points.map(p => row([p.executions, p.fetch.rps, p.fetch.ratio.toFixed(2), p.fetch.p99_ms, p.list.rps, p.list.ratio.toFixed(2), p.list.p99_ms, p.ceiling_rps.hello_get, p.ceiling_rps.page_get,
      p.runs === 'main' ? 'the cases above' : `${g.warmup_s} s warm-up, ${g.duration_s} s at 50 conn, ${g.duration_s_1conn} s at 1`]))
  ]
}
