import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError, DEFAULT_ACCOUNT, loadConfig } from '../src/config.js'

const AC = 'AC0123456789abcdef0123456789abcdef'
const SK = 'SK0123456789abcdef0123456789abcdef'

test('defaults: port 4010, 127.0.0.1, ./data/studio.db and the documented default account', () => {
  const c = loadConfig([], {})
  assert.equal(c.port, 4010)
  assert.equal(c.host, '127.0.0.1')
  assert.equal(c.dbPath, './data/studio.db')
  assert.deepEqual(c.accounts, [DEFAULT_ACCOUNT])
  assert.equal(c.usingDefaultAccount, true)
  assert.equal(c.publicUrl, undefined)
  assert.equal(c.logLevel, 'info')
})

test('environment variables are read, and flags win over them', () => {
  const env = { PORT: '5000', HOST: '0.0.0.0', STUDIO_DB: ':memory:', STUDIO_ACCOUNTS: `${AC}:tok`, STUDIO_API_KEYS: `${SK}:sec:${AC}`, STUDIO_PUBLIC_URL: 'https://x.test/base/', LOG_LEVEL: 'debug' }
  const c = loadConfig([], env)
  assert.equal(c.port, 5000)
  assert.equal(c.host, '0.0.0.0')
  assert.equal(c.dbPath, ':memory:')
  assert.deepEqual(c.accounts, [{ sid: AC, authToken: 'tok' }])
  assert.deepEqual(c.apiKeys, [{ sid: SK, secret: 'sec', accountSid: AC }])
  assert.equal(c.publicUrl, 'https://x.test/base')
  assert.equal(c.logLevel, 'debug')
  const f = loadConfig(['--port', '6000', '--db=/tmp/x.db', '--log-level', 'warn'], env)
  assert.equal(f.port, 6000)
  assert.equal(f.dbPath, '/tmp/x.db')
  assert.equal(f.logLevel, 'warn')
})

test('invalid configuration is refused with a one-line reason', () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [[], { PORT: 'abc' }, /PORT/],
    [[], { PORT: '70000' }, /PORT/],
    [['--port', '-1'], {}, /PORT|port/],
    [[], { STUDIO_ACCOUNTS: 'ACnope:tok' }, /not an account SID/],
    [[], { STUDIO_ACCOUNTS: AC }, /no auth token/],
    [[], { STUDIO_ACCOUNTS: `${AC}:a,${AC}:b` }, /twice/],
    [[], { STUDIO_API_KEYS: `${SK}:sec` }, /SKsid:secret:ACsid/],
    [[], { STUDIO_API_KEYS: `SKbad:sec:${AC}` }, /not an API key SID/],
    [[], { STUDIO_API_KEYS: `${SK}:sec:ACbad` }, /not an account SID/],
    [[], { STUDIO_PUBLIC_URL: 'not a url' }, /STUDIO_PUBLIC_URL/],
    [[], { STUDIO_PUBLIC_URL: 'ftp://x' }, /STUDIO_PUBLIC_URL/],
    // A sink URL's password is never repeated in the message.
    [[], { STUDIO_EVENTS_URL: 'ftp://sink:hunter2@example.com/events' }, /^STUDIO_EVENTS_URL must be an http or https URL; got "ftp:\/\/sink:\*\*\*@example.com\/events"$/],
    [[], { LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [['--bogus'], {}, /bogus/]
  ]
  for (const [argv, env, pattern] of cases) {
    assert.throws(() => loadConfig(argv, env), (err: Error) => err instanceof ConfigError && pattern.test(err.message) && !err.message.includes('\n'), `${argv.join(' ')} ${JSON.stringify(env)}`)
  }
})

test('logs are readable on a terminal and JSON otherwise; LOG_PRETTY or --log-pretty decide instead', () => {
  assert.equal(loadConfig([], {}, true).logPretty, true)
  assert.equal(loadConfig([], {}, false).logPretty, false)
  assert.equal(loadConfig([], { LOG_PRETTY: '0' }, true).logPretty, false)
  assert.equal(loadConfig([], { LOG_PRETTY: '1' }, false).logPretty, true)
  assert.equal(loadConfig(['--log-pretty'], {}, false).logPretty, true)
  assert.throws(() => loadConfig([], { LOG_PRETTY: 'yes' }, false), /LOG_PRETTY must be 1 or 0/)
  assert.throws(() => loadConfig([], { HOST: '' }, false), /HOST is set but empty/)
})
