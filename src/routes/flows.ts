// /v2/Flows (create, update, list, fetch, delete, Revisions, Validate, TestUsers) and /v1/Flows (list, fetch, delete).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import { parseRevisionSelector } from '../db/flows.js'
import type { Store } from '../db/store.js'
import { baseUrlOf } from '../http/base-url.js'
import { refusingOtherMethods } from '../http/methods.js'
import {
  createFlowBody, flowRevision, flowSidParams, flowV1, flowV2, flowValidate, listResponse, revisionParams,
  testUsers, testUsersBody, updateFlowBody
} from '../http/schemas.js'
import { toFlowRevisionResource, toFlowV1Resource, toFlowV2Resource, toTestUsersResource } from '../resources/flow.js'
import type { ApiVersion } from '../resources/surface.js'
import type { FlowService } from '../studio/flows.js'
import { invalidParameter, resourceMissing } from '../twilio/errors.js'
import { pageMeta, parsePageRequest, readPage, type PagingQuery } from '../twilio/paging.js'
import type { FlowRecord, FlowRevisionRecord, FlowStatus } from '../types.js'

export interface FlowRoutesOptions {
  version: ApiVersion
  config: Config
  store: Store
  flows: FlowService
}

interface FlowBody { FriendlyName?: string, Status: string, Definition?: string, CommitMessage?: string, AuthorSid?: string }

const FLOW_STATUSES: readonly FlowStatus[] = ['draft', 'published']

function flowStatus (value: string): FlowStatus {
  if (!FLOW_STATUSES.includes(value as FlowStatus)) throw invalidParameter('Status', `must be one of ${FLOW_STATUSES.join(', ')}`)
  return value as FlowStatus
}

export const flowRoutes = refusingOtherMethods(async function flowRoutes (app: FastifyInstance, opts: FlowRoutesOptions) {
  const { version, config, store, flows } = opts
  const base = (request: FastifyRequest) => baseUrlOf(request, config.publicUrl)
  const toResource = (flow: FlowRecord, request: FastifyRequest, withDefinition: boolean) => version === 'v2'
    ? toFlowV2Resource(flow, withDefinition ? store.getRevision(flow.accountSid, flow.sid, flow.revision) : undefined, base(request))
    : toFlowV1Resource(flow, base(request))
  const schema = version === 'v2' ? flowV2 : flowV1

  app.get<{ Querystring: PagingQuery }>('/Flows', {
    schema: { response: { 200: listResponse('flows', schema) } }
  }, async function listFlow (request) {
    const asked = parsePageRequest(request.query, ['number', 'number'])
    const keyOf = (f: FlowRecord) => [f.dateCreated, f.id]
    const { request: page, result } = readPage(asked, keyOf, token => store.listFlows(request.caller.accountSid, { token, pageSize: asked.pageSize }))
    return {
      flows: result.items.map(f => toResource(f, request, false)),
      meta: pageMeta({ listUrl: `${base(request)}/${version}/Flows`, filters: [], request: page, result, keyOf, key: 'flows' })
    }
  })

  app.get<{ Params: { Sid: string } }>('/Flows/:Sid', {
    schema: { params: flowSidParams, response: { 200: schema } }
  }, async function fetchFlow (request) {
    return toResource(flows.find(request.caller, request.params.Sid), request, true)
  })

  app.delete<{ Params: { Sid: string } }>('/Flows/:Sid', {
    schema: { params: flowSidParams }
  }, async function deleteFlow (request, reply) {
    if (!store.deleteFlow(request.caller.accountSid, request.params.Sid)) throw resourceMissing()
    return await reply.code(204).send()
  })

  if (version === 'v1') return

  app.post<{ Body: FlowBody }>('/Flows', {
    schema: { body: createFlowBody, response: { 201: flowV2 } }
  }, async function createFlow (request, reply) {
    const b = request.body
    const flow = flows.create(request.caller, {
      friendlyName: b.FriendlyName as string, status: flowStatus(b.Status), definition: b.Definition as string, commitMessage: b.CommitMessage, authorSid: b.AuthorSid
    })
    return await reply.code(201).send(toResource(flow, request, true))
  })

  app.post<{ Params: { Sid: string }, Body: FlowBody }>('/Flows/:Sid', {
    schema: { params: flowSidParams, body: updateFlowBody, response: { 200: flowV2 } }
  }, async function updateFlow (request) {
    const b = request.body
    const flow = flows.update(request.caller, request.params.Sid, {
      friendlyName: b.FriendlyName, status: flowStatus(b.Status), definition: b.Definition, commitMessage: b.CommitMessage, authorSid: b.AuthorSid
    })
    return toResource(flow, request, true)
  })

  app.post<{ Body: FlowBody }>('/Flows/Validate', {
    schema: { body: createFlowBody, response: { 200: flowValidate } }
  }, async function updateFlowValidate (request) {
    const b = request.body
    flows.validate({ friendlyName: b.FriendlyName, status: flowStatus(b.Status), definition: b.Definition as string }, request.caller)
    return { valid: true }
  })

  app.get<{ Params: { Sid: string }, Querystring: PagingQuery }>('/Flows/:Sid/Revisions', {
    schema: { params: flowSidParams, response: { 200: listResponse('revisions', flowRevision) } }
  }, async function listFlowRevision (request) {
    const { Sid } = request.params
    flows.find(request.caller, Sid)
    const asked = parsePageRequest(request.query, ['number'])
    const keyOf = (r: FlowRevisionRecord) => [r.revision]
    const { request: page, result } = readPage(asked, keyOf, token => store.listRevisions(request.caller.accountSid, Sid, { token, pageSize: asked.pageSize }))
    const baseUrl = base(request)
    return {
      revisions: result.items.map(r => toFlowRevisionResource(r, baseUrl, true)),
      meta: pageMeta({ listUrl: `${baseUrl}/v2/Flows/${Sid}/Revisions`, filters: [], request: page, result, keyOf, key: 'revisions' })
    }
  })

  app.get<{ Params: { Sid: string, Revision: string } }>('/Flows/:Sid/Revisions/:Revision', {
    schema: { params: revisionParams, response: { 200: flowRevision } }
  }, async function fetchFlowRevision (request) {
    const which = parseRevisionSelector(request.params.Revision)
    const revision = which === undefined ? undefined : store.getRevision(request.caller.accountSid, request.params.Sid, which)
    if (revision === undefined) throw resourceMissing()
    return toFlowRevisionResource(revision, base(request))
  })

  app.get<{ Params: { Sid: string } }>('/Flows/:Sid/TestUsers', {
    schema: { params: flowSidParams, response: { 200: testUsers } }
  }, async function fetchTestUser (request) {
    return toTestUsersResource(flows.find(request.caller, request.params.Sid), base(request))
  })

  app.post<{ Params: { Sid: string }, Body: { TestUsers: string[] } }>('/Flows/:Sid/TestUsers', {
    schema: { params: flowSidParams, body: testUsersBody, response: { 200: testUsers } }
  }, async function updateTestUser (request) {
    const flow = flows.setTestUsers(request.caller, request.params.Sid, request.body.TestUsers)
    return toTestUsersResource(flow, base(request))
  })
})
