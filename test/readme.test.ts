// README.md's Configuration table and `--help` name the same settings: every variable with its flag, both ways, and
// the defaults the table shows as values are the ones the server uses.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEFAULT_ACCOUNT, SETTINGS } from '../src/config.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Row { variable: string, flag: string, default: string }

/** The rows of the table under "## Configuration" (Variable | Flag | Default | Meaning). */
function readmeRows (): Row[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Configuration\n'))
  const lines = section.split('\n')
  const header = lines.findIndex(l => /^\| Variable \| Flag \| Default \| Meaning \|$/.test(l))
  assert.notEqual(header, -1, 'the Configuration table')
  const rows: Row[] = []
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break
    const [variable = '', flag = '', dflt = ''] = line.split('|').slice(1).map(c => c.trim())
    // `LOG_PRETTY` (`1` or `0`): the variable is the first code span.
    rows.push({ variable: /^`([A-Z_]+)`/.exec(variable)?.[1] ?? variable, flag: /^`(--[a-z-]+)`$/.exec(flag)?.[1] ?? flag, default: dflt })
  }
  return rows
}

/** `--help`'s option rows: flag and variable (LOG_PRETTY=1|0 → LOG_PRETTY), and the whole line. */
let help: string | undefined
function helpRows (): Array<{ flag: string, variable: string, line: string }> {
  help ??= helpText()
  return help.split('\n').filter(l => l.startsWith('  --')).map(line => {
    const [flag = '', variable = ''] = line.trim().split(/\s+/)
    return { flag, variable: /^[A-Z_]+/.exec(variable)?.[0] ?? '', line }
  })
}

function helpText (): string {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', '--help'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } })
  assert.equal(run.status, 0, run.stderr)
  return run.stdout
}

const pairs = (rows: ReadonlyArray<{ variable: string, flag: string }>) => rows.map(r => `${r.variable} ${r.flag}`).sort()

test('README\'s Configuration table lists every setting with its flag, as the settings and --help do, and nothing else', () => {
  const readme = readmeRows()
  const settings = [...SETTINGS.map(s => ({ variable: s.env, flag: `--${s.flag}` })), { variable: 'LOG_PRETTY', flag: '--log-pretty' }]
  assert.deepEqual(pairs(readme), pairs(settings))
  const help = helpRows().filter(r => r.flag !== '--help' && r.flag !== '--version')
  assert.deepEqual(pairs(help), pairs(readme))
})

test('a default the table shows as a value is the setting\'s default', () => {
  const byEnv = new Map<string, string>(SETTINGS.map(s => [s.env, s.default]))
  const shown = readmeRows().filter(r => /^`[^`]+`$/.test(r.default))
  assert.ok(shown.length >= 6, shown.map(r => r.variable).join(', '))
  for (const r of shown) assert.equal(r.default.slice(1, -1), byEnv.get(r.variable), r.variable)
})

test('--help gives --accounts\' default: the default account\'s SID, never its token', () => {
  const accounts = helpRows().find(r => r.flag === '--accounts')
  assert.ok(accounts?.line.includes(DEFAULT_ACCOUNT.sid), accounts?.line)
  assert.doesNotMatch(accounts?.line ?? '', new RegExp(`(?<![A-Za-z0-9])${DEFAULT_ACCOUNT.authToken}(?![A-Za-z0-9])`))
})
