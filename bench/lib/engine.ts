// Engine throughput: steps per second for a ten-widget REST-triggered flow without outbound HTTP.
// Publishes the flow, starts executions over HTTP a few at a time, waits on /__emulator/idle, and counts steps.

const WIDGETS = 10

/** Trigger → 8 set-variables → split-based-on → send-message: ten widgets, no outbound HTTP. */
export function tenWidgetFlow (): Record<string, unknown> {
  const states: Array<Record<string, unknown>> = [{
    name: 'Trigger',
    type: 'trigger',
    properties: { offset: { x: 0, y: 0 } },
    transitions: [{ event: 'incomingMessage' }, { event: 'incomingCall' }, { event: 'incomingConversationMessage' }, { event: 'incomingRequest', next: 'Set1' }, { event: 'incomingParent' }]
  }]
  for (let i = 1; i <= 8; i++) {
    states.push({
      name: `Set${i}`,
      type: 'set-variables',
      properties: { offset: { x: 0, y: i * 100 }, variables: [{ key: `v${i}`, value: `{{flow.data.n | plus: ${i}}}` }] },
      transitions: [{ event: 'next', next: i < 8 ? `Set${i + 1}` : 'Route' }]
    })
  }
  states.push({
    name: 'Route',
    type: 'split-based-on',
    properties: { offset: { x: 0, y: 900 }, input: '{{flow.variables.v8}}' },
    transitions: [
      { event: 'noMatch', next: 'Done' },
      { event: 'match', next: 'Done', conditions: [{ friendly_name: 'big', arguments: ['{{flow.variables.v8}}'], type: 'greater_than', value: '5' }] }
    ]
  })
  states.push({
    name: 'Done',
    type: 'send-message',
    properties: { offset: { x: 0, y: 1000 }, body: 'done {{flow.variables.v1}}' },
    transitions: [{ event: 'sent' }, { event: 'failed' }]
  })
  return { description: 'bench: ten widgets', states, initial_state: 'Trigger', flags: { allow_concurrent_calls: true } }
}

export interface EngineFigures {
  executions: number
  steps: number
  seconds: number
  steps_per_second: number
}

/** Runs `executions` executions of the ten-widget flow against the emulator at `url`; `parallel` creates in flight. */
export async function measureEngine (url: string, auth: Record<string, string>, executions: number, parallel = 20): Promise<EngineFigures> {
  const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' }
  const created = await fetch(`${url}/v2/Flows`, {
    method: 'POST',
    headers: form,
    body: new URLSearchParams({ FriendlyName: 'bench ten widgets', Status: 'published', Definition: JSON.stringify(tenWidgetFlow()) })
  })
  if (created.status !== 201) throw new Error(`could not publish the bench flow: ${created.status} ${await created.text()}`)
  const flow = (await created.json() as { sid: string }).sid
  const started = performance.now()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < executions) {
      const i = next++
      const res = await fetch(`${url}/v2/Flows/${flow}/Executions`, {
        method: 'POST', headers: form, body: new URLSearchParams({ To: `+1777${String(i).padStart(7, '0')}`, From: '+15550000000', Parameters: `{"n":${i}}` })
      })
      if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  const idle = await fetch(`${url}/__emulator/idle?timeout_ms=300000`)
  if (idle.status !== 200) throw new Error('the engine did not become idle')
  const seconds = (performance.now() - started) / 1000
  // Every execution takes one step per widget plus the Trigger's.
  const sample = await fetch(`${url}/v2/Flows/${flow}/Executions?PageSize=1`, { headers: auth })
  const first = (await sample.json() as { executions: Array<{ sid: string, status: string }> }).executions[0]
  const steps = await fetch(`${url}/v2/Flows/${flow}/Executions/${first?.sid ?? ''}/Steps`, { headers: auth })
  const perExecution = (await steps.json() as { steps: unknown[] }).steps.length
  if (perExecution !== WIDGETS + 1 || first?.status !== 'ended') throw new Error(`an execution took ${perExecution} steps and is ${first?.status ?? 'missing'}`)
  const total = executions * perExecution
  return { executions, steps: total, seconds: Math.round(seconds * 100) / 100, steps_per_second: Math.round(total / seconds) }
}
