import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatLogLine } from '../../src/http/pretty-log.js'

test('--log-pretty turns a request log line into one readable line', () => {
  const line = JSON.stringify({ level: 30, time: Date.parse('2024-01-01T12:00:01.234Z'), pid: 1, hostname: 'h', reqId: 'RQ1', method: 'POST', path: '/v1/Flows', status: 400, latency_ms: 3.1, account: 'AC1', code: 20001, msg: 'request' })
  assert.equal(formatLogLine(line), '12:00:01.234 INFO  POST /v1/Flows 400 3.1ms code=20001 AC1 RQ1')
  assert.equal(formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'event delivery failed', retry_in_ms: 500 })), '00:00:00.000 WARN  event delivery failed retry_in_ms=500')
  assert.equal(formatLogLine('not json'), 'not json')
})
