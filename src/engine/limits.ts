// Studio's limits on an execution (Studio FAQ), and how a transition counts against them.
import type { EndedReason } from '../types.js'

/** "Each Execution ends after 1,000 steps". */
export const MAX_STEPS = 1000
/** "If the same widget runs 10 times in a row during an Execution, that Execution will stop". */
export const MAX_REPEATS = 10
/** "An Execution automatically ends after 30 days". */
export const MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000

export interface Counts {
  stepCount: number
  repeatWidget: string | null
  repeatCount: number
}

/**
 * The counts after a transition to `next` (undefined: the flow ends there), and why the execution ends with it:
 * FLOW_END at the end of the flow, or the limit the transition runs into.
 */
export function countTransition (before: Counts, next: string | undefined): { stepCount: number, repeatCount: number, ended?: EndedReason } {
  const stepCount = before.stepCount + 1
  const repeatCount = next !== undefined && next === before.repeatWidget ? before.repeatCount + 1 : 1
  if (next === undefined) return { stepCount, repeatCount, ended: 'FLOW_END' }
  if (stepCount >= MAX_STEPS) return { stepCount, repeatCount, ended: 'STEP_LIMIT' }
  if (repeatCount > MAX_REPEATS) return { stepCount, repeatCount, ended: 'LOOP_LIMIT' }
  return { stepCount, repeatCount }
}
