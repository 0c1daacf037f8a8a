// Regression (issue "One house, clean rooms", bug 1): two emulator processes on one database file. A flow that one
// process renames, revises or deletes is seen so by the other on its very next request, although the other has the
// flow in its in-memory cache; and a write through the other builds on the latest revision.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { greetingDefinition } from '../support/flows.js'
import { basic, twoEmulatorsOnOneFile } from '../support/properties.js'

const AUTH = basic('ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')

async function call (base: string, method: string, path: string, fields?: Record<string, string>): Promise<{ status: number, body: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: AUTH, ...(fields !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }) },
    body: fields === undefined ? undefined : new URLSearchParams(fields).toString()
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? null : JSON.parse(text) }
}

test('a flow renamed, revised or deleted by one process is seen so by the other on its next request', async (t) => {
  const [a, b] = (await twoEmulatorsOnOneFile(t, ['--flows', 'strict'])).bases as [string, string]
  const definition = greetingDefinition()
  const created = await call(a, 'POST', '/v2/Flows', { FriendlyName: 'First', Status: 'published', Definition: JSON.stringify(definition) })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const sid = created.body.sid as string

  // A reads it (and caches it); B renames it: revision 2.
  assert.equal((await call(a, 'GET', `/v2/Flows/${sid}`)).body.friendly_name, 'First')
  const renamed = await call(b, 'POST', `/v2/Flows/${sid}`, { FriendlyName: 'Renamed by B', Status: 'published' })
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
  assert.equal(renamed.body.revision, 2)

  const seen = await call(a, 'GET', `/v2/Flows/${sid}`)
  assert.equal(seen.body.friendly_name, 'Renamed by B')
  assert.equal(seen.body.revision, 2)
  const latest = await call(a, 'GET', `/v2/Flows/${sid}/Revisions/LatestRevision`)
  assert.equal(latest.body.revision, 2)
  assert.equal(latest.body.friendly_name, 'Renamed by B')

  // A write through A builds on B's revision: revision 3, never a 500.
  const revised = await call(a, 'POST', `/v2/Flows/${sid}`, { Status: 'published', CommitMessage: 'by A', Definition: JSON.stringify({ ...definition, description: 'revised by A' }) })
  assert.equal(revised.status, 200, JSON.stringify(revised.body))
  assert.equal(revised.body.revision, 3)
  assert.equal(revised.body.friendly_name, 'Renamed by B')
  assert.equal((await call(b, 'GET', `/v2/Flows/${sid}`)).body.revision, 3)
  assert.deepEqual((await call(b, 'GET', `/v2/Flows/${sid}/Revisions`)).body.revisions.map((r: any) => r.revision), [3, 2, 1])

  // An execution started through A runs the revision B published last.
  const republished = await call(b, 'POST', `/v2/Flows/${sid}`, { Status: 'published', Definition: JSON.stringify({ ...definition, description: 'revision 4 by B' }) })
  assert.equal(republished.body.revision, 4)
  const execution = await call(a, 'POST', `/v2/Flows/${sid}/Executions`, { To: '+15551230001', From: '+15559870001' })
  assert.equal(execution.status, 201, JSON.stringify(execution.body))
  assert.equal(execution.body.flow_version, 4)

  // B deletes it: A answers 404 for the flow, its revisions, and new executions (strict mode).
  assert.equal((await call(b, 'DELETE', `/v2/Flows/${sid}`)).status, 204)
  assert.equal((await call(a, 'GET', `/v2/Flows/${sid}`)).status, 404)
  assert.equal((await call(a, 'GET', `/v2/Flows/${sid}/Revisions/LatestPublished`)).status, 404)
  assert.equal((await call(a, 'POST', `/v2/Flows/${sid}/Executions`, { To: '+15551230002', From: '+15559870001' })).status, 404)
})
