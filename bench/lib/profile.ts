// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function and per package, heaviest first.
// Also a command: node --import tsx bench/lib/profile.ts FILE.cpuprofile [TOP] [SKIP_MS]
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface ProfileRow { name: string, where: string, selfMs: number, share: number }
export interface ProfileSummary { totalMs: number, idleShare: number, functions: ProfileRow[], packages: ProfileRow[] }

/** Where a function lives, shortened: the package (node_modules/x), dist/… or src/… path, or node:… */
function shortUrl (url: string): string {
  if (url === '') return '(native)'
  const nm = url.lastIndexOf('node_modules/')
  if (nm !== -1) return url.slice(nm + 'node_modules/'.length)
  const m = /\/(dist|src|bench)\/(.*)$/.exec(url)
  if (m !== null) return `${m[1]}/${m[2]}`
  return url.replace(/^file:\/\//, '')
}

function packageOf (where: string): string {
  if (where.startsWith('node:')) return 'node core'
  if (where.startsWith('dist/') || where.startsWith('src/')) return 'emulator (' + where.split('/').slice(0, 2).join('/') + ')'
  if (where === '(native)') return '(native / V8)'
  const parts = where.split('/')
  return parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1]}` : (parts[0] ?? where)
}

/** `skipMs`: samples in the first milliseconds of the profile (startup, warm-up) are left out. */
export function summarise (profile: CpuProfile, top = 25, skipMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const self = new Map<number, number>()
  let at = 0
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    at += ms
    if (at >= skipMs) self.set(id, (self.get(id) ?? 0) + ms)
  }
  let totalMs = 0
  let idleMs = 0
  const functions = new Map<string, ProfileRow>()
  const packages = new Map<string, ProfileRow>()
  for (const [id, ms] of self) {
    const node = byId.get(id)
    if (node === undefined) continue
    totalMs += ms
    const { functionName, url, lineNumber } = node.callFrame
    if (functionName === '(idle)') { idleMs += ms; continue }
    const where = shortUrl(url) + (url === '' ? '' : `:${lineNumber + 1}`)
    const name = functionName === '' ? '(anonymous)' : functionName
    const key = `${name} ${where}`
    const f = functions.get(key) ?? { name, where, selfMs: 0, share: 0 }
    f.selfMs += ms
    functions.set(key, f)
    const pkg = name.startsWith('(') && url === '' ? name : packageOf(shortUrl(url))
    const p = packages.get(pkg) ?? { name: pkg, where: '', selfMs: 0, share: 0 }
    p.selfMs += ms
    packages.set(pkg, p)
  }
  const busy = totalMs - idleMs
  const rank = (rows: Iterable<ProfileRow>) => [...rows]
    .map(r => ({ ...r, share: busy === 0 ? 0 : r.selfMs / busy }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
  return { totalMs, idleShare: totalMs === 0 ? 0 : idleMs / totalMs, functions: rank(functions.values()), packages: rank(packages.values()) }
}

export function formatSummary (s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)} %`
  const lines = [`profile: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${pct(s.idleShare).trim()} idle; shares below are of busy time`, '', 'self time by package:']
  for (const p of s.packages.slice(0, 12)) lines.push(`  ${pct(p.share)}  ${p.name}`)
  lines.push('', 'self time by function:')
  for (const f of s.functions) lines.push(`  ${pct(f.share)}  ${f.name}  ${f.where}`)
  return lines.join('\n')
}

export function summariseFile (path: string, top = 25, skipMs = 0): ProfileSummary {
  return summarise(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, top, skipMs)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top, skip] = process.argv.slice(2)
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/lib/profile.ts FILE.cpuprofile [TOP] [SKIP_MS]\n')
    process.exit(2)
  }
  process.stdout.write(formatSummary(summariseFile(file, Number(top ?? 25), Number(skip ?? 0))) + '\n')
}
