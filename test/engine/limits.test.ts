// Studio's limits as a transition counts against them (src/engine/limits.ts), without HTTP.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_AGE_MS, MAX_REPEATS, MAX_STEPS, countTransition } from '../../src/engine/limits.js'

test('Studio FAQ numbers: 1,000 steps, 10 runs of a widget in a row, 30 days', () => {
  assert.equal(MAX_STEPS, 1000)
  assert.equal(MAX_REPEATS, 10)
  assert.equal(MAX_AGE_MS, 30 * 24 * 3600 * 1000)
})

const cases: Array<[string, Parameters<typeof countTransition>, ReturnType<typeof countTransition>]> = [
  ['a transition to another widget counts a step and restarts the repeat count',
    [{ stepCount: 3, repeatWidget: 'A', repeatCount: 4 }, 'B'], { stepCount: 4, repeatCount: 1 }],
  ['the same widget again counts a repeat',
    [{ stepCount: 3, repeatWidget: 'A', repeatCount: 4 }, 'A'], { stepCount: 4, repeatCount: 5 }],
  ['no next widget ends the flow (FLOW_END)',
    [{ stepCount: 3, repeatWidget: 'A', repeatCount: 1 }, undefined], { stepCount: 4, repeatCount: 1, ended: 'FLOW_END' }],
  ['the 1,000th step ends the execution (STEP_LIMIT)',
    [{ stepCount: 998, repeatWidget: 'A', repeatCount: 1 }, 'B'], { stepCount: 999, repeatCount: 1 }],
  ['the 1,000th step ends the execution (STEP_LIMIT), even towards another widget',
    [{ stepCount: 999, repeatWidget: 'A', repeatCount: 1 }, 'B'], { stepCount: 1000, repeatCount: 1, ended: 'STEP_LIMIT' }],
  ['a tenth run in a row is allowed',
    [{ stepCount: 20, repeatWidget: 'A', repeatCount: 9 }, 'A'], { stepCount: 21, repeatCount: 10 }],
  ['an eleventh run in a row stops the execution (LOOP_LIMIT)',
    [{ stepCount: 20, repeatWidget: 'A', repeatCount: 10 }, 'A'], { stepCount: 21, repeatCount: 11, ended: 'LOOP_LIMIT' }],
  ['the end of the flow wins over a limit',
    [{ stepCount: 999, repeatWidget: 'A', repeatCount: 10 }, undefined], { stepCount: 1000, repeatCount: 1, ended: 'FLOW_END' }]
]

for (const [name, args, want] of cases) {
  test(name, () => { assert.deepEqual(countTransition(...args), want) })
}
