// Process entry: configuration → app → listen; drains and closes the database on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs'
import { buildApp } from './app.js'
import { ConfigError, SETTINGS, loadConfig } from './config.js'
import { MigrationError } from './db/migrate.js'
import { FlowFileError } from './studio/flows.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string, version: string }

export function usage (): string {
  const table: Array<[string, string, string]> = [
    ['flag', 'environment', 'meaning'],
    ...SETTINGS.map(s => [`--${s.flag}`, s.env, `${s.help}${s.default === '' ? '' : ` (default ${s.default})`}`] as [string, string, string]),
    ['--log-pretty', 'LOG_PRETTY=1|0', 'human-readable log lines, or JSON (default: readable on a terminal, JSON otherwise)'],
    ['-h, --help', '', 'this text'],
    ['-v, --version', '', 'the version']
  ]
  const w0 = Math.max(...table.map(r => r[0].length))
  const w1 = Math.max(...table.map(r => r[1].length))
  return [
    `${pkg.name} ${pkg.version}: a local emulator of Twilio Studio (its REST API, and the flows it runs)`,
    '',
    'Usage: studio-emulator [options]   (every option can also be set by its environment variable)',
    '',
    ...table.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd())
  ].join('\n')
}

async function main (): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`studio-emulator: invalid configuration: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  if (config.help) { process.stdout.write(usage() + '\n'); return }
  if (config.version) { process.stdout.write(pkg.version + '\n'); return }

  let app
  try {
    app = await buildApp({ config })
  } catch (err) {
    if (err instanceof FlowFileError) {
      process.stderr.write(`studio-emulator: invalid configuration: ${err.message}\n`)
      process.exit(2)
    }
    if (err instanceof MigrationError || (err as { code?: string }).code?.startsWith('SQLITE_') === true) {
      process.stderr.write(`studio-emulator: cannot open database ${config.dbPath}: ${(err as Error).message}\n`)
      process.exit(1)
    }
    throw err
  }

  let closing = false
  const shutdown = (signal: string) => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing in-flight requests')
    app.close().then(() => process.exit(0), (err: unknown) => {
      app.log.error({ err }, 'error while shutting down')
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    process.stderr.write(`studio-emulator: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`)
    await app.close()
    process.exit(1)
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  banner(app, config, port)
}

/**
 * What a person starting the emulator needs first: where it listens, its database, its accounts (SIDs only, never a
 * token; the default account's is pointed to in the README), the flows it has with their webhook URLs, the inspector,
 * and a warning when it listens beyond this machine without STUDIO_ADMIN_TOKEN.
 */
function banner (app: Awaited<ReturnType<typeof buildApp>>, config: ReturnType<typeof loadConfig>, port: number): void {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host
  const url = `http://${host}:${port}`
  const base = config.publicUrl ?? url
  app.log.info({ banner: true, url, db: config.dbPath }, `Studio Emulator listening on ${url} (database ${config.dbPath})`)
  app.log.info({ banner: true, inspector: `${base}/__emulator/ui/` }, `Inspector: ${base}/__emulator/ui/`)
  const accounts = [...new Set([...config.accounts.map(a => a.sid), ...config.apiKeys.map(k => k.accountSid)])]
  app.log.info({ banner: true, accounts }, `Accounts: ${accounts.join(', ')}`)
  if (config.usingDefaultAccount) {
    app.log.info({ banner: true, account: config.accounts[0]?.sid }, `no STUDIO_ACCOUNTS set: using the default account ${config.accounts[0]?.sid ?? ''}; its auth token is the default one README.md documents (STUDIO_ACCOUNTS sets your own)`)
  }
  for (const account of accounts) {
    for (const f of app.store.listFlows(account, { pageSize: 1000 }).items) {
      const webhook = `${base}/v1/Accounts/${account}/Flows/${f.sid}`
      app.log.info({ banner: true, flow: f.sid, account, name: f.friendlyName, webhook }, `Flow ${f.sid} "${f.friendlyName}" (${f.status}): webhook ${webhook}`)
    }
  }
  const loopback = /^(127\.|::1$|localhost$)/.test(config.host)
  if (!loopback && config.adminToken === undefined) {
    app.log.warn({ banner: true, host: config.host }, `listening on ${config.host} without STUDIO_ADMIN_TOKEN: anyone who can reach this port can read, change and reset everything through /__emulator. Set STUDIO_ADMIN_TOKEN, or listen on 127.0.0.1.`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`studio-emulator: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
