// /v1 and /v2 Flows/{FlowSid}/Executions[/{Sid}[/Context]]: one implementation, the version picks shape and rules.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { baseUrlOf } from '../http/base-url.js'
import { resourcePath } from '../http/errors.js'
import { refuseOtherMethods } from '../http/methods.js'
import {
  createExecutionBody, executionChildParams, executionContext, executionParams, executionV1, executionV2,
  flowParams, listResponse, updateExecutionBody
} from '../http/schemas.js'
import { toExecutionContextResource, toExecutionResource, type ApiVersion } from '../resources/execution.js'
import type { ActiveContactRule, ExecutionService } from '../studio/executions.js'
import { parseTwilioDate } from '../twilio/dates.js'
import { invalidParameter, resourceNotFound } from '../twilio/errors.js'
import { pageMeta, parsePageRequest } from '../twilio/paging.js'
import type { ExecutionRecord, ExecutionStatus } from '../types.js'

/** How the two API versions differ for Executions (twilio-oai v1 and v2, and Twilio's v2 docs). */
const VERSION_RULES = {
  v1: { createStatus: 200, activeContact: 'return-active', schema: executionV1, statusFilter: false },
  v2: { createStatus: 201, activeContact: 'conflict', schema: executionV2, statusFilter: true }
} as const satisfies Record<ApiVersion, { createStatus: number, activeContact: ActiveContactRule, schema: object, statusFilter: boolean }>

const STATUSES: readonly ExecutionStatus[] = ['active', 'ended']

export interface ExecutionRoutesOptions {
  version: ApiVersion
  config: Config
  store: Store
  executions: ExecutionService
}

interface FlowPath { FlowSid: string }
interface ExecutionPath { FlowSid: string, Sid: string }
interface ExecutionChildPath { FlowSid: string, ExecutionSid: string }
interface ListQuery {
  DateCreatedFrom?: unknown
  DateCreatedTo?: unknown
  status?: unknown
  PageSize?: unknown
  Page?: unknown
  PageToken?: unknown
}

export async function executionRoutes (app: FastifyInstance, opts: ExecutionRoutesOptions) {
  const { version, config, store, executions } = opts
  const rules = VERSION_RULES[version]
  const base = (request: Parameters<typeof baseUrlOf>[0]) => baseUrlOf(request, config.publicUrl)

  app.post<{ Params: FlowPath, Body: { To: string, From: string, Parameters?: string } }>('/Flows/:FlowSid/Executions', {
    schema: { params: flowParams, body: createExecutionBody, response: { [rules.createStatus]: rules.schema } }
  }, async function createExecution (request, reply) {
    const { To, From, Parameters } = request.body
    const { execution, created } = executions.start(request.caller, request.params.FlowSid,
      { to: To, from: From, parameters: Parameters, initiatedBy: request.id }, rules.activeContact)
    // v1 answers 200 for both a new execution and the contact's active one; v2 answers 201 (it never returns an old one).
    return await reply.code(created ? rules.createStatus : 200).send(toExecutionResource(execution, base(request), version))
  })

  app.get<{ Params: FlowPath, Querystring: ListQuery }>('/Flows/:FlowSid/Executions', {
    schema: { params: flowParams, response: { 200: listResponse('executions', rules.schema) } }
  }, async function listExecution (request) {
    const q = request.query
    const page = parsePageRequest(q, ['number', 'number'])
    const filters: Array<[string, string]> = []
    const createdFrom = dateFilter('DateCreatedFrom', q.DateCreatedFrom, filters)
    const createdTo = dateFilter('DateCreatedTo', q.DateCreatedTo, filters)
    let status: ExecutionStatus | undefined
    if (rules.statusFilter && q.status !== undefined && q.status !== '') {
      if (!STATUSES.includes(q.status as ExecutionStatus)) throw invalidParameter('status', `must be one of ${STATUSES.join(', ')}`)
      status = q.status as ExecutionStatus
      filters.push(['status', status])
    }
    const flowSid = request.params.FlowSid
    const result = store.listExecutions(request.caller.accountSid, flowSid, {
      createdFrom, createdTo, status, token: page.token, pageSize: page.pageSize
    })
    const baseUrl = base(request)
    return {
      executions: result.items.map(e => toExecutionResource(e, baseUrl, version)),
      meta: pageMeta({
        listUrl: `${baseUrl}/${version}/Flows/${flowSid}/Executions`,
        filters,
        request: page,
        result,
        keyOf: (e: ExecutionRecord) => [e.dateCreated, e.id],
        key: 'executions'
      })
    }
  })

  app.get<{ Params: ExecutionPath }>('/Flows/:FlowSid/Executions/:Sid', {
    schema: { params: executionParams, response: { 200: rules.schema } }
  }, async function fetchExecution (request) {
    const { FlowSid, Sid } = request.params
    const execution = store.getExecution(request.caller.accountSid, FlowSid, Sid)
    if (execution === undefined) throw resourceNotFound(resourcePath(request.url))
    return toExecutionResource(execution, base(request), version)
  })

  app.post<{ Params: ExecutionPath, Body: { Status: string } }>('/Flows/:FlowSid/Executions/:Sid', {
    schema: { params: executionParams, body: updateExecutionBody, response: { 200: rules.schema } }
  }, async function updateExecution (request) {
    const { FlowSid, Sid } = request.params
    const status = request.body.Status
    if (!STATUSES.includes(status as ExecutionStatus)) throw invalidParameter('Status', `must be one of ${STATUSES.join(', ')}`)
    const execution = executions.setStatus(request.caller, FlowSid, Sid, status as ExecutionStatus, resourcePath(request.url))
    return toExecutionResource(execution, base(request), version)
  })

  app.delete<{ Params: ExecutionPath }>('/Flows/:FlowSid/Executions/:Sid', {
    schema: { params: executionParams }
  }, async function deleteExecution (request, reply) {
    const { FlowSid, Sid } = request.params
    if (!store.deleteExecution(request.caller.accountSid, FlowSid, Sid)) throw resourceNotFound(resourcePath(request.url))
    return await reply.code(204).send()
  })

  app.get<{ Params: ExecutionChildPath }>('/Flows/:FlowSid/Executions/:ExecutionSid/Context', {
    schema: { params: executionChildParams, response: { 200: executionContext } }
  }, async function fetchExecutionContext (request) {
    const { FlowSid, ExecutionSid } = request.params
    const found = store.getExecutionContext(request.caller.accountSid, FlowSid, ExecutionSid)
    if (found === undefined) throw resourceNotFound(resourcePath(request.url))
    return toExecutionContextResource(found.execution, found.context, base(request), version)
  })

  refuseOtherMethods(app, '/Flows/:FlowSid/Executions', ['GET', 'POST'])
  refuseOtherMethods(app, '/Flows/:FlowSid/Executions/:Sid', ['GET', 'POST', 'DELETE'])
  refuseOtherMethods(app, '/Flows/:FlowSid/Executions/:ExecutionSid/Context', ['GET'])
}

/** DateCreatedFrom/To: ISO 8601 (the spec's `YYYY-MM-DDThh:mm:ss-hh:mm`); the value is echoed into page URLs. */
function dateFilter (name: string, value: unknown, filters: Array<[string, string]>): number | undefined {
  if (value === undefined || value === '') return undefined
  const ms = typeof value === 'string' ? parseTwilioDate(value) : undefined
  if (ms === undefined) throw invalidParameter(name, 'must be an ISO 8601 date-time such as 2024-01-31T12:00:00Z')
  filters.push([name, value as string])
  return ms
}
