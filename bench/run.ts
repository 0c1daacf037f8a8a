// npm run bench: the emulator under load, against ceilings measured in the same run (see bench/README.md).
//   BENCH_QUICK=1          short runs on 20 000 executions (a smoke run; results are not written to bench/)
//   BENCH_ROWS=N           executions to store (default 1 000 000)
//   BENCH_PROFILE=a,b      instead of the benchmark, CPU-profile the emulator under the named cases (create, fetch,
//                          list, list_deep, list_window, engine, inbound, inspector_executions, inspector_execution,
//                          or startup) and summarise the top self-time functions
//   BENCH_LOG_LEVEL=warn   the servers' LOG_LEVEL and Prism's --verboseLevel (info adds a log line per request)
//   BENCH_RUNNER=dist|tsx  the emulator from dist/ (built when stale, default) or from src/ through tsx
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countExecutions, executionAtOffset, flowRunSummary, inboundOutcomes, sampleExecutionSids } from './lib/bulk-load.js'
import { openDatabase } from '../src/db/open.js'
import { CACHE_DIR, prepareDataset, workingCopy, type Dataset } from './lib/dataset.js'
import { ENGINE_STEPS, measureEngine, type EnginePlan } from './lib/engine.js'
import { ENDED_STEPS, measureInbound } from './lib/inbound.js'
import { inspectorSpecs, timelineSids, verifyInspector, type InspectorCase } from './lib/inspector.js'
import { failuresOf, runLoad, type LoadResult, type LoadSpec } from './lib/load.js'
import { prismCli, startPrism, studioSpec } from './lib/prism.js'
import { httpJson, installCleanup, memoryMb, sleep, startServer, type Server } from './lib/proc.js'
import { formatSummary, summariseFile } from './lib/profile.js'
import {
  against, evaluateTargets, figures, markdown, meanFigures, round, type CaseFigures, type CaseName, type CeilingFigures, type CeilingName, type Figures,
  type GrowthPoint, type InboundFigures, type InspectorFigures, type PrismFigures, type Results
} from './lib/report.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const QUICK = process.env.BENCH_QUICK === '1'
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'warn'
const RUNNER = process.env.BENCH_RUNNER === 'tsx' ? 'tsx' : 'dist'
const PROFILE = (process.env.BENCH_PROFILE ?? '').split(',').map(s => s.trim()).filter(s => s !== '')

const ACCOUNT = 'ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
const AUTH = { authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`).toString('base64') }
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const LIST_FLOW = 'FW0123456789abcdef0123456789abcdef'
const CREATE_FLOW = 'FWbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'
const PAGE_SIZE = 50

const S = {
  rows: Number(process.env.BENCH_ROWS ?? (QUICK ? 20_000 : 1_000_000)),
  connections: 50,
  durationS: QUICK ? 2 : 10,
  duration1S: QUICK ? 1 : 5,
  warmupS: QUICK ? 0.5 : 2,
  /** Left out at the start of each 50-connection run, while the connections open. */
  settleS: QUICK ? 0.25 : 1,
  /** 1 000 000 executions over the last 23 days. */
  stepMs: 2000,
  /** The growth curve's smaller databases (the run's own is its last point), and their shorter runs. */
  growthSizes: (QUICK ? [2_000, 5_000] : [10_000, 100_000]),
  growth: QUICK ? { warmupS: 0.25, durationS: 1, duration1S: 0.5, settleS: 0.1 } : { warmupS: 1, durationS: 5, duration1S: 2, settleS: 1 },
  /** Executions of the ten-widget flow the inspector's execution page rotates over. */
  timelineExecutions: 100
}

/** How long each part of a case runs: the main cases use S's, the growth curve's smaller databases S.growth. */
interface Timing { warmupS: number, durationS: number, duration1S: number, settleS: number }

const log = (line: string) => process.stdout.write(line + '\n')

function machine (): Results['machine'] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  return {
    nproc: cpus().length,
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    ram_gb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${type()} ${release()}`,
    loadavg_at_start: loadavg().map(x => round(x))
  }
}

/** Bundles dist/ (npm run build) when a file of src/, the build script or the lock file is newer than dist/server.js. */
function ensureBuild (): string {
  const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name)
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }, 0)
  let built = 0
  try { built = statSync(join(ROOT, 'dist/server.js')).mtimeMs } catch {}
  if (built > Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'scripts/build.mjs')).mtimeMs, statSync(join(ROOT, 'package-lock.json')).mtimeMs)) return 'dist up to date'
  log('build: dist/ is stale, running npm run build')
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`)
  return 'built'
}

const serverEnv = () => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL, NODE_ENV: 'production' })

async function startEmulator (db: string, nodeFlags: string[] = []): Promise<Server> {
  const entry = RUNNER === 'dist' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
  return await startServer({
    name: 'emulator',
    args: [...nodeFlags, ...entry, '--port', '0', '--db', db, '--log-level', LOG_LEVEL],
    env: serverEnv(),
    cwd: ROOT,
    readyPath: `/v1/Flows/${LIST_FLOW}/Executions?PageSize=${PAGE_SIZE}`,
    headers: AUTH
  })
}

/** Distinct To per request, so that every v1 create starts a new execution. */
function createBodies () {
  let n = 0
  return (request: { body?: string | Buffer }) => {
    n++
    const to = encodeURIComponent(`+1555${String(n % 1e7).padStart(7, '0')}`)
    const parameters = encodeURIComponent(JSON.stringify({ name: 'Zeke', order_id: String(n) }))
    return { ...request, body: `To=${to}&From=%2B15557654321&Parameters=${parameters}` }
  }
}

type Spec = Omit<LoadSpec, 'url' | 'connections' | 'durationS'>

/** Warm-up (discarded), then 50 connections for throughput and latency, then 1 connection for latency. */
async function measure (label: string, url: string, spec: Spec, t: Timing = S): Promise<{ c50: LoadResult, c1: LoadResult }> {
  await runLoad({ ...spec, url, connections: S.connections, durationS: t.warmupS })
  const c50 = await runLoad({ ...spec, url, connections: S.connections, durationS: t.durationS, settleS: t.settleS })
  // The server still works through the requests the 50 connections left in flight when they closed (49 × a slow
  // page is most of a second): one more request of the case, answered after them, keeps that wait out of the
  // 1-connection run's first answer.
  await runLoad({ ...spec, url, connections: 1, durationS: 10, amount: 1 })
  const c1 = await runLoad({ ...spec, url, connections: 1, durationS: t.duration1S })
  const bad = failuresOf(c50) + failuresOf(c1)
  const ttfb = (r: LoadResult) => r.ttfb_p99_ms === undefined ? '' : ` (first byte p99 ${r.ttfb_p99_ms.toFixed(2)} ms)`
  log(`  ${label.padEnd(28)} ${String(Math.round(c50.rps)).padStart(7)} rps  p50 ${c50.p50_ms.toFixed(2)} ms  p99 ${c50.p99_ms.toFixed(2)} ms${ttfb(c50)}  | 1 conn p50 ${c1.p50_ms.toFixed(2)} ms  p99 ${c1.p99_ms.toFixed(2)} ms${ttfb(c1)}${bad > 0 ? `  (${bad} failures!)` : ''}`)
  return { c50, c1 }
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19) + 'Z'

interface Probes {
  sids: string[]
  deepPage: number
  deepToken: string
  deepFirstSid: string
  page1NextKey: [number, number]
  window: [string, string]
  windowExecutions: number
}

/** Where the requests aim, read from the loaded data: sample SIDs, a page token ~halfway down, a middle date window. */
function probe (dbPath: string, startMs: number): Probes {
  const db = openDatabase(dbPath)
  try {
    const count = countExecutions(db, ACCOUNT, LIST_FLOW)
    const deepPage = Math.max(1, Math.floor(count / PAGE_SIZE / 2))
    const edge = executionAtOffset(db, ACCOUNT, LIST_FLOW, deepPage * PAGE_SIZE - 1)
    const first = executionAtOffset(db, ACCOUNT, LIST_FLOW, deepPage * PAGE_SIZE)
    const page1Last = executionAtOffset(db, ACCOUNT, LIST_FLOW, PAGE_SIZE - 1)
    if (edge === undefined || first === undefined || page1Last === undefined) throw new Error(`too few executions (${count}) for a deep page`)
    // The emulator's token: PA + base64url(JSON [date_created ms, row id]) of the row the page starts after.
    const deepToken = 'PA' + Buffer.from(JSON.stringify([edge.dateCreated, edge.id])).toString('base64url')
    const span = (count - 1) * S.stepMs
    const from = Math.ceil((startMs + 0.4 * span) / 1000) * 1000
    const to = Math.floor((startMs + 0.6 * span) / 1000) * 1000
    return {
      sids: sampleExecutionSids(db, ACCOUNT, LIST_FLOW, 1000),
      deepPage,
      deepToken,
      deepFirstSid: first.sid,
      page1NextKey: [page1Last.dateCreated, page1Last.id],
      window: [iso(from), iso(to)],
      windowExecutions: Math.round((to - from) / S.stepMs)
    }
  } finally {
    db.close()
  }
}

/** Checks that each case's request gets what it should before it is measured. */
async function verify (url: string, p: Probes): Promise<void> {
  const list = `${url}/v1/Flows/${LIST_FLOW}/Executions`
  const page1 = await httpJson(`${list}?PageSize=${PAGE_SIZE}`, AUTH)
  if (page1.status !== 200 || page1.body.executions.length !== PAGE_SIZE) throw new Error(`page 1: ${page1.status} ${JSON.stringify(page1.body).slice(0, 300)}`)
  const next = new URL(page1.body.meta.next_page_url as string).searchParams.get('PageToken') ?? ''
  const key = JSON.parse(Buffer.from(next.slice(2), 'base64url').toString('utf8')) as unknown
  if (!next.startsWith('PA') || JSON.stringify(key) !== JSON.stringify(p.page1NextKey)) throw new Error(`page tokens are not PA + [date_created, id] any more: ${next}`)
  const deep = await httpJson(`${list}?PageSize=${PAGE_SIZE}&Page=${p.deepPage}&PageToken=${p.deepToken}`, AUTH)
  if (deep.status !== 200 || deep.body.executions[0]?.sid !== p.deepFirstSid || deep.body.executions.length !== PAGE_SIZE) throw new Error(`deep page: ${deep.status} ${JSON.stringify(deep.body).slice(0, 300)}`)
  const win = await httpJson(`${list}?DateCreatedFrom=${p.window[0]}&DateCreatedTo=${p.window[1]}&PageSize=${PAGE_SIZE}`, AUTH)
  const dates = (win.body.executions as Array<{ date_created: string }> | undefined ?? []).map(e => e.date_created)
  if (win.status !== 200 || dates.length !== PAGE_SIZE || dates.some(d => d < p.window[0] || d >= p.window[1])) throw new Error(`window: ${win.status} ${JSON.stringify(win.body).slice(0, 300)}`)
  const one = await httpJson(`${list}/${p.sids[0] ?? ''}`, AUTH)
  if (one.status !== 200) throw new Error(`fetch: ${one.status} ${JSON.stringify(one.body).slice(0, 300)}`)
}

function emulatorSpecs (p: Probes): Record<CaseName, Spec> {
  const list = `/v1/Flows/${LIST_FLOW}/Executions`
  let i = 0
  return {
    fetch: { path: `${list}/${p.sids[0] ?? ''}`, headers: AUTH, vary: (r) => ({ ...r, path: `${list}/${p.sids[i++ % p.sids.length] ?? ''}` }) },
    list: { path: `${list}?PageSize=${PAGE_SIZE}`, headers: AUTH },
    list_deep: { path: `${list}?PageSize=${PAGE_SIZE}&Page=${p.deepPage}&PageToken=${p.deepToken}`, headers: AUTH },
    list_window: { path: `${list}?DateCreatedFrom=${p.window[0]}&DateCreatedTo=${p.window[1]}&PageSize=${PAGE_SIZE}`, headers: AUTH },
    create: { method: 'POST', path: `/v1/Flows/${CREATE_FLOW}/Executions`, headers: { ...AUTH, ...FORM }, vary: createBodies() }
  }
}

const CEILING_SPECS: Record<CeilingName, Spec> = {
  hello_get: { path: '/hello' },
  create_post: { method: 'POST', path: `/v1/Flows/${CREATE_FLOW}/Executions`, headers: FORM, vary: createBodies() },
  page_get: { path: `/v1/Flows/${LIST_FLOW}/Executions?PageSize=${PAGE_SIZE}` }
}

/** Each ceiling with the emulator cases read against it (measured before and after them). */
const ORDER: Array<[CeilingName, CaseName[]]> = [
  ['hello_get', ['fetch']],
  ['page_get', ['list', 'list_deep', 'list_window']],
  ['create_post', ['create']]
]

/** The engine case's plan: as long as the other cases' runs, 50 creates in flight, then 1. */
const enginePlan = (): EnginePlan => ({ connections: S.connections, durationS: S.durationS, duration1S: S.duration1S, warmupS: S.warmupS })

/** The REST cases, each between two runs of its ceiling (see ORDER). */
async function restCases (emulator: Server, ceiling: Server, specs: Record<CaseName, Spec>): Promise<{ ceilings: Record<CeilingName, CeilingFigures>, cases: Record<CaseName, CaseFigures> }> {
  const ceilings: Partial<Record<CeilingName, CeilingFigures>> = {}
  const cases: Partial<Record<CaseName, CaseFigures>> = {}
  for (const [c, names] of ORDER) {
    // The ceiling brackets its cases in time, so that a busy spell on the machine shows (and averages out).
    const before = await measure(`ceiling ${c}`, ceiling.url, CEILING_SPECS[c])
    const measured: Array<[CaseName, Figures]> = []
    for (const name of names) {
      const r = await measure(`emulator ${name}`, emulator.url, specs[name])
      measured.push([name, figures(r.c50, r.c1)])
    }
    const after = await measure(`ceiling ${c} (again)`, ceiling.url, CEILING_SPECS[c])
    const cf = meanFigures(figures(before.c50, before.c1), figures(after.c50, after.c1))
    ceilings[c] = cf
    for (const [name, f] of measured) cases[name] = against(f, c, cf)
  }
  return {
    ceilings: ceilings as Record<CeilingName, CeilingFigures>,
    cases: Object.fromEntries((['create', 'fetch', 'list', 'list_deep', 'list_window'] as const).map(k => [k, cases[k]])) as Record<CaseName, CaseFigures>
  }
}

/** Replies at the flow webhook, read against the create case's rps (also the guess that sizes the warm-up). */
async function inboundCase (url: string, createRps: number, onMeasuring?: () => void): Promise<InboundFigures> {
  const r = await measureInbound(url, AUTH, ACCOUNT, { ...enginePlan(), settleS: S.settleS, expectedRps: createRps, onMeasuring }, log)
  const f = figures(r.c50, r.c1)
  return { ...f, ratio: round(f.rps / createRps), flow_sid: r.flow_sid, replies: r.c50.ok_all, replies_1conn: r.c1.ok_all, waiting_executions: r.waiting, drain_ms: r.drain_ms }
}

/** The inspector's two pages, each verified once first, timed to first byte and to the full response. */
async function inspectorCases (url: string, engineFlow: string | undefined): Promise<Record<InspectorCase, InspectorFigures>> {
  const sids = await timelineSids(url, AUTH, S.timelineExecutions, engineFlow)
  await verifyInspector(url, sids)
  const specs = inspectorSpecs(sids)
  const out: Partial<Record<InspectorCase, InspectorFigures>> = {}
  for (const name of ['inspector_executions', 'inspector_execution'] as const) {
    const { c50, c1 } = await measure(name, url, specs[name])
    out[name] = { ...figures(c50, c1), path: specs[name].path, ttfb_p50_ms: round(c50.ttfb_p50_ms ?? NaN), ttfb_p99_ms: round(c50.ttfb_p99_ms ?? NaN), ttfb_p50_ms_1conn: round(c1.ttfb_p50_ms ?? NaN), ttfb_p99_ms_1conn: round(c1.ttfb_p99_ms ?? NaN) }
  }
  return out as Record<InspectorCase, InspectorFigures>
}

/** Prism on Twilio's Studio v1 description, the create and fetch cases as against the emulator; Prism is stopped after. */
async function prismCases (probes: Probes, emulator: Record<CaseName, CaseFigures>): Promise<PrismFigures> {
  const spec = studioSpec(ROOT)
  const { version } = prismCli(ROOT)
  const specs = emulatorSpecs(probes)
  const level = LOG_LEVEL
  const prism = await startPrism({ root: ROOT, spec, logLevel: level, env: serverEnv(), readyPath: specs.fetch.path, headers: AUTH })
  try {
    log(`prism ${version} (${spec}) answered ${prism.startupMs.toFixed(0)} ms after spawn`)
    await verifyPrism(prism.url, specs)
    const create = await measure('prism create', prism.url, specs.create)
    const fetched = await measure('prism fetch', prism.url, specs.fetch)
    const cf = figures(create.c50, create.c1)
    const ff = figures(fetched.c50, fetched.c1)
    return { version, spec, log_level: level, create: cf, fetch: ff, ratio_create: round(emulator.create.rps / cf.rps, 1), ratio_fetch: round(emulator.fetch.rps / ff.rps, 1) }
  } finally {
    await prism.stop()
  }
}

/** Prism answers the create and the fetch with 2xx and an execution (its example: a sid, not ours). */
async function verifyPrism (url: string, specs: Record<CaseName, Spec>): Promise<void> {
  const body = String(specs.create.vary?.({}).body ?? '')
  const created = await fetch(url + specs.create.path, { method: 'POST', headers: specs.create.headers, body, signal: AbortSignal.timeout(10_000) })
  const createdText = await created.text()
  if (created.status < 200 || created.status >= 300 || !/"sid":"FN/.test(createdText)) throw new Error(`prism create: ${created.status} ${createdText.slice(0, 300)}`)
  const one = await httpJson(url + specs.fetch.path, AUTH)
  if (one.status < 200 || one.status >= 300 || !/^FN/.test(String(one.body.sid))) throw new Error(`prism fetch: ${one.status} ${JSON.stringify(one.body).slice(0, 300)}`)
}

/**
 * fetch and list page 1 at the smaller sizes of S.growthSizes (a fresh emulator on each size's cached database,
 * shorter runs), between two runs of ceilings (a) and (c); the run's own fetch and list cases are the last point.
 */
async function growthCurve (ceiling: Server, runDir: string, main: { fetch: CaseFigures, list: CaseFigures, ceilings: Record<CeilingName, CeilingFigures> }): Promise<Results['growth']> {
  const G = S.growth
  const sizes = S.growthSizes.filter(n => n < S.rows)
  log(`growth: ${sizes.join(', ')} executions (${G.durationS} s runs) and the ${S.rows} above`)
  const a1 = await measure('ceiling hello_get (growth)', ceiling.url, CEILING_SPECS.hello_get, G)
  const c1 = await measure('ceiling page_get (growth)', ceiling.url, CEILING_SPECS.page_get, G)
  const measured: Array<{ n: number, fetch: Figures, list: Figures }> = []
  for (const n of sizes) {
    const dataset = prepareDataset({ accountSid: ACCOUNT, flowSid: LIST_FLOW, count: n, stepMs: S.stepMs }, log)
    const dir = join(runDir, `growth-${n}`)
    mkdirSync(dir)
    const copy = workingCopy(dataset, dir)
    const probes = probe(copy.path, dataset.startMs)
    const emulator = await startEmulator(copy.path)
    try {
      await verify(emulator.url, probes)
      const specs = emulatorSpecs(probes)
      const f = await measure(`emulator fetch (${n})`, emulator.url, specs.fetch, G)
      const l = await measure(`emulator list (${n})`, emulator.url, specs.list, G)
      measured.push({ n, fetch: figures(f.c50, f.c1), list: figures(l.c50, l.c1) })
    } finally {
      await emulator.stop()
      copy.remove()
    }
  }
  const a2 = await measure('ceiling hello_get (again)', ceiling.url, CEILING_SPECS.hello_get, G)
  const c2 = await measure('ceiling page_get (again)', ceiling.url, CEILING_SPECS.page_get, G)
  const a = meanFigures(figures(a1.c50, a1.c1), figures(a2.c50, a2.c1))
  const c = meanFigures(figures(c1.c50, c1.c1), figures(c2.c50, c2.c1))
  const points: GrowthPoint[] = measured.map(m => ({
    executions: m.n, fetch: against(m.fetch, 'hello_get', a), list: against(m.list, 'page_get', c), ceiling_rps: { hello_get: a.rps, page_get: c.rps }, runs: 'short'
  }))
  points.push({ executions: S.rows, fetch: main.fetch, list: main.list, ceiling_rps: { hello_get: main.ceilings.hello_get.rps, page_get: main.ceilings.page_get.rps }, runs: 'main' })
  return { points, run: { warmup_s: G.warmupS, duration_s: G.durationS, duration_s_1conn: G.duration1S, settle_s: G.settleS } }
}

/** What the cases left in the run's database: every engine and inbound execution ended with all its steps. */
function checkStoredRuns (dbPath: string, engineFlow: string, inbound: InboundFigures): number {
  const db = openDatabase(dbPath)
  try {
    const engine = flowRunSummary(db, ACCOUNT, engineFlow)
    if (engine.active > 0 || engine.steps !== engine.executions * ENGINE_STEPS) throw new Error(`engine: of ${engine.executions} executions ${engine.active} are still active, ${engine.steps} steps stored (${ENGINE_STEPS} each expected)`)
    const asked = flowRunSummary(db, ACCOUNT, inbound.flow_sid)
    const outcomes = inboundOutcomes(db, ACCOUNT, inbound.flow_sid)
    if (asked.executions !== inbound.waiting_executions || asked.active > 0 || asked.steps !== asked.executions * ENDED_STEPS || Object.keys(outcomes).some(o => o !== 'resumed')) {
      throw new Error(`inbound: ${asked.executions} executions (${inbound.waiting_executions} started), ${asked.active} still active, ${asked.steps} steps; replies' outcomes ${JSON.stringify(outcomes)}`)
    }
    return countExecutions(db, ACCOUNT, CREATE_FLOW)
  } finally {
    db.close()
  }
}

async function benchmark (dataset: Dataset, dbPath: string, build: string, runDir: string): Promise<Results> {
  const probes = probe(dbPath, dataset.startMs)
  const date = new Date().toISOString()
  const m = machine()
  log(`machine: ${m.nproc} × ${m.cpu}, ${m.ram_gb} GB, Node ${m.node}, load average ${m.loadavg_at_start.join(' ')}`)

  const ceiling = await startServer({ name: 'ceiling', args: ['--import', 'tsx', 'bench/ceiling-server.ts', '--port', '0'], env: serverEnv(), cwd: ROOT, readyPath: '/hello' })
  // Time to first response: the median of three starts (two started and stopped, the third serves the cases).
  const startups: number[] = []
  for (let i = 0; i < 2; i++) {
    const probeRun = await startEmulator(dbPath)
    startups.push(probeRun.startupMs)
    await probeRun.stop()
  }
  const emulator = await startEmulator(dbPath)
  startups.push(emulator.startupMs)
  const startupMs = [...startups].sort((a, b) => a - b)[1] as number
  log(`emulator (${RUNNER}) answered page 1 of ${dataset.spec.count} executions ${startups.map(t => t.toFixed(0)).join(', ')} ms after spawn`)
  await sleep(1000)
  const idle = memoryMb(emulator.pid)
  await verify(emulator.url, probes)

  // RSS after each group of cases, to see which one grows it.
  const rss = (): number => round(memoryMb(emulator.pid).rss, 1)
  const { ceilings, cases } = await restCases(emulator, ceiling, emulatorSpecs(probes))
  const rssRest = rss()
  // Read against the create case just measured.
  const engineFigures = await measureEngine(emulator.url, AUTH, enginePlan(), log)
  const engine = { ...engineFigures, ratio: round(engineFigures.executions_per_second / cases.create.rps) }
  const rssEngine = rss()
  const inbound = await inboundCase(emulator.url, cases.create.rps)
  const rssInbound = rss()
  const inspector = await inspectorCases(emulator.url, engine.flow_sid)
  // After every emulator case: what the process holds once it has served them all.
  const loaded = memoryMb(emulator.pid)
  const code = await emulator.stop()
  if (code !== 0) log(`emulator exited with ${code}:\n${emulator.output().slice(-2000)}`)

  const prism = await prismCases(probes, cases)
  const growth = await growthCurve(ceiling, runDir, { fetch: cases.fetch, list: cases.list, ceilings })
  await ceiling.stop()
  const created = checkStoredRuns(dbPath, engine.flow_sid, inbound)

  const partial: Omit<Results, 'targets'> = {
    quick: QUICK,
    date,
    ceilings,
    cases,
    engine,
    inbound,
    inspector,
    prism,
    growth,
    startup_ms: Math.round(startupMs),
    startup_runs_ms: startups.map(t => Math.round(t)),
    rss_mb_idle: round(idle.rss, 1),
    rss_mb_loaded: round(loaded.rss, 1),
    rss_mb_peak: round(loaded.peak, 1),
    rss_detail: { idle: { anon: round(idle.anon, 1), file: round(idle.file, 1) }, loaded: { anon: round(loaded.anon, 1), file: round(loaded.file, 1) } },
    rss_mb_after: { rest_cases: rssRest, engine: rssEngine, inbound: rssInbound, inspector: round(loaded.rss, 1) },
    bytes_per_execution: Math.round(dataset.bytesPerExecution),
    dataset: {
      executions: dataset.spec.count,
      load_s: round(dataset.loadMs / 1000, 1),
      reused: dataset.reused,
      database_mb: Math.round(dataset.bytes / 1e6),
      deep_page: probes.deepPage,
      window: probes.window,
      window_executions: probes.windowExecutions
    },
    created_executions: created,
    setup: {
      server: RUNNER === 'dist' ? 'node dist/server.js (npm run build)' : 'node --import tsx src/server.ts',
      ceiling_server: 'node --import tsx bench/ceiling-server.ts',
      load_generator: 'autocannon 9 API in the bench process (a separate process from the server), 1 worker',
      log_level: LOG_LEVEL,
      connections: S.connections,
      duration_s: S.durationS,
      duration_s_1conn: S.duration1S,
      warmup_s: S.warmupS,
      settle_s: S.settleS,
      build
    },
    machine: m
  }
  return { ...partial, targets: evaluateTargets(partial) }
}

const PROFILE_CASES = ['create', 'fetch', 'list', 'list_deep', 'list_window', 'engine', 'inbound', 'inspector_executions', 'inspector_execution']

/**
 * One case against a profiled emulator, set up as in the benchmark; resolves with the time (performance.now()) its
 * measured part began, so that the summary leaves out start-up, set-up and warm-up.
 */
async function profiledCase (name: string, url: string, probes: Probes): Promise<number> {
  const specs = emulatorSpecs(probes)
  let measuring = NaN
  const mark = () => { measuring = performance.now() }
  if (name === 'engine') {
    await measureEngine(url, AUTH, { ...enginePlan(), onMeasuring: mark }, log)
  } else if (name === 'inbound') {
    // No create case ran before: a guess at its rps sizes the warm-up.
    await inboundCase(url, 3000, mark)
  } else if (name === 'inspector_executions' || name === 'inspector_execution') {
    const sids = await timelineSids(url, AUTH, S.timelineExecutions)
    await verifyInspector(url, sids)
    measuring = performance.now() + S.warmupS * 1000
    await measure(`${name} (profiled)`, url, inspectorSpecs(sids)[name])
  } else {
    await verify(url, probes)
    measuring = performance.now() + S.warmupS * 1000
    await measure(`emulator ${name} (profiled)`, url, specs[name as CaseName])
  }
  return measuring
}

/** BENCH_PROFILE: each named case against a fresh emulator under --cpu-prof, then the top self-time functions. */
async function profile (dbPath: string, startMs: number, names: string[]): Promise<void> {
  const unknown = names.filter(name => name !== 'startup' && !PROFILE_CASES.includes(name))
  if (unknown.length > 0) throw new Error(`BENCH_PROFILE: unknown case ${unknown.join(', ')} (one of ${[...PROFILE_CASES, 'startup'].join(', ')})`)
  const probes = probe(dbPath, startMs)
  for (const name of names) {
    const dir = join(CACHE_DIR, 'prof', name)
    rmSync(dir, { recursive: true, force: true })
    if (name === 'startup') {
      const emulator = await startEmulator(dbPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250'])
      log(`emulator answered ${emulator.startupMs.toFixed(0)} ms after spawn (profiled)`)
      await emulator.stop()
      const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
      if (file !== undefined) log(`\n== startup: ${join(dir, file)}\n${formatSummary(summariseFile(join(dir, file), 25))}\n`)
      continue
    }
    const spawned = performance.now()
    const emulator = await startEmulator(dbPath, ['--cpu-prof', '--cpu-prof-dir', dir])
    let measuredFrom: number
    try {
      measuredFrom = await profiledCase(name, emulator.url, probes)
    } finally {
      await emulator.stop()
    }
    const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error(`no profile written in ${dir}`)
    // Startup, set-up and the warm-up are left out: the summary is of the measured runs.
    log(`\n== ${name}: ${join(dir, file)}\n${formatSummary(summariseFile(join(dir, file), 25, measuredFrom - spawned))}\n`)
  }
}

async function main (): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'studio-bench-run-'))
  installCleanup(() => rmSync(runDir, { recursive: true, force: true }))
  // Every step is bounded; this is the backstop.
  setTimeout(() => { process.stderr.write('bench: overall time limit reached\n'); process.exit(1) }, (QUICK ? 10 : 45) * 60_000).unref()

  const build = RUNNER === 'dist' ? ensureBuild() : 'not built (tsx)'
  const dataset = prepareDataset({ accountSid: ACCOUNT, flowSid: LIST_FLOW, count: S.rows, stepMs: S.stepMs }, log)
  const work = workingCopy(dataset, runDir)
  if (PROFILE.length > 0) {
    await profile(work.path, dataset.startMs, PROFILE)
    return
  }
  const results = await benchmark(dataset, work.path, build, runDir)
  const table = markdown(results)
  log('\n' + table + '\n')
  const missed = results.targets.filter(t => !t.met).length
  log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`)

  if (QUICK || process.env.BENCH_ROWS !== undefined) {
    const out = join(CACHE_DIR, 'results-quick.json')
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
    log(`(not an official run: results written to ${out}, bench/ left as it is)`)
    return
  }
  writeFileSync(join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2) + '\n')
  const readmePath = join(ROOT, 'bench/README.md')
  const readme = readFileSync(readmePath, 'utf8')
  const updated = readme.replace(/<!-- results:start -->\n[\s\S]*?<!-- results:end -->/, () => `<!-- results:start -->\n${table}\n<!-- results:end -->`)
  if (updated !== readme) writeFileSync(readmePath, updated)
  log('wrote bench/results.json and the table in bench/README.md')
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
