// Process entry: configuration → app → listen; drains and closes the database on SIGTERM/SIGINT.
import { readFileSync } from 'node:fs'
import { buildApp } from './app.js'
import { ConfigError, SETTINGS, loadConfig } from './config.js'
import { MigrationError } from './db/migrate.js'
import { FlowFileError } from './studio/flows.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string, version: string }

function usage (): string {
  const rows = SETTINGS.map(s => `  --${s.flag.padEnd(12)} ${s.env.padEnd(18)} ${s.help}${s.default === '' ? '' : ` (default ${s.default})`}`)
  return [
    `${pkg.name} ${pkg.version}: a local emulator of Twilio Studio's REST API`,
    '',
    'Usage: studio-emulator [options]   (every option can also be set by its environment variable)',
    '',
    '  flag           environment        meaning',
    ...rows,
    '  --log-pretty   LOG_PRETTY=1       human-readable log lines instead of JSON',
    '  -h, --help                        this text',
    '  -v, --version                     the version'
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
  app.log.info({ url: `http://${config.host}:${port}`, db: config.dbPath }, 'Studio Emulator listening')
  if (config.usingDefaultAccount) {
    const a = config.accounts[0]
    app.log.info(`no STUDIO_ACCOUNTS set: using the default account ${a?.sid} with auth token ${a?.authToken}`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`studio-emulator: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})
