// The few emulator requests the bench's engine and inbound cases make outside the measured load: publish a flow,
// wait for the engine, read an execution, and the v2 creates they drive with autocannon.
import { httpJson } from './proc.js'

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
/** From of the bench's REST creates: the flow's channel address (the number a contact's replies go To). */
export const CHANNEL = '+15550000000'

/** POST /v2/Flows with Status=published; the new flow's SID. */
export async function publishFlow (url: string, auth: Record<string, string>, name: string, definition: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${url}/v2/Flows`, {
    method: 'POST',
    headers: { ...auth, ...FORM },
    body: new URLSearchParams({ FriendlyName: name, Status: 'published', Definition: JSON.stringify(definition) }),
    signal: AbortSignal.timeout(10_000)
  })
  if (res.status !== 201) throw new Error(`could not publish the bench flow ${name}: ${res.status} ${await res.text()}`)
  return (await res.json() as { sid: string }).sid
}

/** Waits (at most `timeoutS`) until no execution is mid-step; throws when the engine is still busy by then. */
export async function waitIdle (url: string, timeoutS = 120): Promise<void> {
  const res = await fetch(`${url}/__emulator/idle?timeout_ms=${timeoutS * 1000}`, { signal: AbortSignal.timeout(timeoutS * 1000 + 10_000) })
  await res.arrayBuffer()
  if (res.status !== 200) throw new Error(`the emulator's engine was still busy after ${timeoutS} s`)
}

/** One execution's status and steps, over REST. */
export async function executionState (url: string, auth: Record<string, string>, flow: string, sid: string): Promise<{ status: string, steps: Array<{ transitioned_from: string, transitioned_to: string }> }> {
  const e = await httpJson(`${url}/v2/Flows/${flow}/Executions/${sid}`, auth)
  const s = await httpJson(`${url}/v2/Flows/${flow}/Executions/${sid}/Steps?PageSize=50`, auth)
  if (e.status !== 200 || s.status !== 200) throw new Error(`execution ${sid}: ${e.status} / steps ${s.status}`)
  return { status: e.body.status, steps: s.body.steps }
}

/** v2 creates of `flow` (To from `to(n)`, n counting on from each call), each answered 201 for a new execution. */
export function v2Creates (flow: string, auth: Record<string, string>, to: (n: number) => string) {
  let n = 0
  return {
    method: 'POST' as const,
    path: `/v2/Flows/${flow}/Executions`,
    headers: { ...auth, ...FORM },
    vary: (r: { body?: string | Buffer }) => {
      const i = n++
      return { ...r, body: `To=${encodeURIComponent(to(i))}&From=${encodeURIComponent(CHANNEL)}&Parameters=${encodeURIComponent(`{"n":${i}}`)}` }
    }
  }
}
