// The engine's job chains (src/engine/scheduler.ts), without HTTP: one execution's jobs in order, others in
// parallel, idle() when nothing is in progress, a failing job logged and not blocking the next one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createScheduler, type ExecutionKey, type Job } from '../../src/engine/scheduler.js'

const tick = async (ms = 5) => await new Promise(resolve => setTimeout(resolve, ms))

function recording () {
  const log: string[] = []
  const errors: unknown[] = []
  const logger = { info: () => {}, warn: () => {}, error: (obj: object) => { errors.push(obj) } }
  return { log, errors, logger }
}

test('jobs of one execution run one after another; another execution does not wait for them', async () => {
  const { log, logger } = recording()
  const scheduler = createScheduler(async (ref: ExecutionKey, job: Job) => {
    log.push(`${ref.sid}:${job.kind}:start`)
    await tick(ref.sid === 'slow' ? 30 : 1)
    log.push(`${ref.sid}:${job.kind}:end`)
  }, logger)
  scheduler.schedule({ accountSid: 'AC1', sid: 'slow' }, { kind: 'run' })
  scheduler.schedule({ accountSid: 'AC1', sid: 'slow' }, { kind: 'timeout' })
  scheduler.schedule({ accountSid: 'AC1', sid: 'fast' }, { kind: 'run' })
  await scheduler.idle()
  const slow = log.filter(l => l.startsWith('slow'))
  assert.deepEqual(slow, ['slow:run:start', 'slow:run:end', 'slow:timeout:start', 'slow:timeout:end'])
  assert.ok(log.indexOf('fast:run:end') < log.indexOf('slow:run:end'), 'the fast execution finished while the slow one worked')
})

test('started() runs after the current turn, and idle() waits for it', async () => {
  const { log, logger } = recording()
  const scheduler = createScheduler(async (ref) => { log.push(ref.sid) }, logger)
  scheduler.started({ accountSid: 'AC1', sid: 'FN1' })
  assert.deepEqual(log, [], 'not run synchronously')
  await scheduler.idle()
  assert.deepEqual(log, ['FN1'])
})

test('a failing job is logged and the execution\'s next job still runs; after stop() nothing is taken', async () => {
  const { log, errors, logger } = recording()
  const scheduler = createScheduler(async (_ref, job) => {
    if (job.kind === 'run') throw new Error('boom')
    log.push(job.kind)
  }, logger)
  scheduler.schedule({ accountSid: 'AC1', sid: 'FN1' }, { kind: 'run' })
  scheduler.schedule({ accountSid: 'AC1', sid: 'FN1' }, { kind: 'timeout' })
  await scheduler.idle()
  assert.equal(errors.length, 1)
  assert.deepEqual(log, ['timeout'])
  await scheduler.stop()
  assert.equal(scheduler.isStopped(), true)
  scheduler.schedule({ accountSid: 'AC1', sid: 'FN1' }, { kind: 'timeout' })
  await scheduler.idle()
  assert.deepEqual(log, ['timeout'])
})
