// Helpers for flow-engine tests: publish a definition, start and inspect executions, post inbound messages.
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { ACCOUNT_A, call, createExecution, idle } from './helper.js'
import { definitionWith } from './flows.js'

export async function publish (app: FastifyInstance, definition: Record<string, unknown>, name = 'flow'): Promise<string> {
  const res = await call(app, 'POST', '/v2/Flows', { FriendlyName: name, Status: 'published', Definition: JSON.stringify(definition) })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.sid
}

export async function start (app: FastifyInstance, flow: string, fields: Record<string, string> = {}) {
  const res = await createExecution(app, fields, { version: 'v2', flow })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  await idle(app)
  return res.body.sid as string
}

export async function execution (app: FastifyInstance, flow: string, sid: string) {
  return (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}`)).body
}

/** Steps oldest first, as [from, event, to, type]. */
export async function stepsOf (app: FastifyInstance, flow: string, sid: string): Promise<Array<[string, string, string, string]>> {
  const res = await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Steps?PageSize=1000`)
  assert.equal(res.status, 200)
  return res.body.steps.reverse().map((s: any) => [s.transitioned_from, s.name, s.transitioned_to, s.type])
}

export async function contextOf (app: FastifyInstance, flow: string, sid: string): Promise<any> {
  return (await call(app, 'GET', `/v2/Flows/${flow}/Executions/${sid}/Context`)).body.context
}

export async function outbox (app: FastifyInstance, query = ''): Promise<any[]> {
  return (await app.inject({ method: 'GET', url: `/__emulator/outbox?${query}` })).json().messages
}

export async function inbound (app: FastifyInstance, flow: string, fields: Record<string, string>, account = ACCOUNT_A.sid) {
  const res = await app.inject({
    method: 'POST',
    url: `/v1/Accounts/${account}/Flows/${flow}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString()
  })
  await idle(app)
  return res
}

export async function moveClock (app: FastifyInstance, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/__emulator/clock', payload: body })
  assert.equal(res.statusCode, 200, res.body)
  await idle(app)
  return res.json()
}

/** A Trigger whose incomingRequest (and incomingMessage, incomingParent) lead to `first`, then the given widgets. */
export function flowOf (first: string | undefined, states: Array<Record<string, unknown>>): Record<string, unknown> {
  return definitionWith(states, first)
}

export const widget = (name: string, type: string, properties: Record<string, unknown>, transitions: Array<{ event: string, next?: string, conditions?: unknown[] }>) =>
  ({ name, type, properties: { offset: { x: 0, y: 0 }, ...properties }, transitions })
