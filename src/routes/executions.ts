// /v1 and /v2 Flows/{FlowSid}/Executions[/{Sid}[/Context]] and v1 Engagements: one implementation, the surface
// picks the shape and the rules.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import type { RateLimiter } from '../control/rate-limit.js'
import type { Store } from '../db/store.js'
import { baseUrlOf } from '../http/base-url.js'
import { refusingOtherMethods } from '../http/methods.js'
import { createExecutionBody, executionContextSchema, executionParams, flowParams, updateExecutionBody } from '../http/schemas.js'
import { executionJson, toExecutionContextResource } from '../resources/execution.js'
import { V1_ENGAGEMENTS, V1_EXECUTIONS, V2_EXECUTIONS, type ExecutionSurface } from '../resources/surface.js'
import type { ActiveContactRule, ExecutionService } from '../studio/executions.js'
import type { FlowService } from '../studio/flows.js'
import { parseTwilioDate } from '../twilio/dates.js'
import { invalidParameter, resourceMissing, tooManyRequests } from '../twilio/errors.js'
import { pageMeta, parsePageRequest, readPage } from '../twilio/paging.js'
import type { ExecutionRecord, ExecutionStatus } from '../types.js'

interface SurfaceRules {
  createStatus: 200 | 201
  activeContact: ActiveContactRule
  /** POST …/{Sid} with Status exists (not on Engagements). */
  canUpdate: boolean
  /** DateCreatedFrom/To on the list (not on Engagements). */
  dateFilters: boolean
  /** v2's lower-case `status` list filter. */
  statusFilter: boolean
}

/** How the surfaces differ (twilio-oai v1 and v2, and Twilio's v2 docs on the active-contact conflict). */
const RULES = new Map<ExecutionSurface, SurfaceRules>([
  [V1_EXECUTIONS, { createStatus: 200, activeContact: 'return-active', canUpdate: true, dateFilters: true, statusFilter: false }],
  [V2_EXECUTIONS, { createStatus: 201, activeContact: 'conflict', canUpdate: true, dateFilters: true, statusFilter: true }],
  [V1_ENGAGEMENTS, { createStatus: 200, activeContact: 'return-active', canUpdate: false, dateFilters: false, statusFilter: false }]
])

const STATUSES: readonly ExecutionStatus[] = ['active', 'ended']

export interface ExecutionRoutesOptions {
  surface: ExecutionSurface
  config: Config
  store: Store
  executions: ExecutionService
  flows: FlowService
  /** Studio's 20 new executions per second per account, when STUDIO_RATE_LIMITS=on. */
  rateLimiter?: RateLimiter | undefined
}

interface FlowPath { FlowSid: string }
interface ExecutionPath { FlowSid: string, Sid: string }
interface ListQuery {
  DateCreatedFrom?: unknown
  DateCreatedTo?: unknown
  status?: unknown
  PageSize?: unknown
  Page?: unknown
  PageToken?: unknown
}

export const executionRoutes = refusingOtherMethods(async function executionRoutes (app: FastifyInstance, opts: ExecutionRoutesOptions) {
  const { surface, config, store, executions, flows } = opts
  const rules = RULES.get(surface) as SurfaceRules
  const base = (request: FastifyRequest) => baseUrlOf(request, config.publicUrl)
  const collection = `/Flows/:FlowSid/${surface.collection}`
  const item = `${collection}/:Sid`
  /** Executions go out as JSON text built by executionJson(), the hot path's serializer. */
  const JSON_TYPE = 'application/json; charset=utf-8'

  app.post<{ Params: FlowPath, Body: { To: string, From: string, Parameters?: string } }>(collection, {
    schema: { params: flowParams, body: createExecutionBody }
  }, async function createExecution (request, reply) {
    if (opts.rateLimiter !== undefined && !opts.rateLimiter.take(request.caller.accountSid)) throw tooManyRequests()
    const { To, From, Parameters } = request.body
    const { execution, created } = await executions.start(request.caller, request.params.FlowSid,
      { to: To, from: From, parameters: Parameters, initiatedBy: request.id }, rules.activeContact)
    // v1 answers 200 for a new execution and for the contact's active one; v2 answers 201 (it never returns an old one).
    return await reply.code(created ? rules.createStatus : 200).type(JSON_TYPE).send(executionJson(execution, base(request), surface))
  })

  app.get<{ Params: FlowPath, Querystring: ListQuery }>(collection, {
    schema: { params: flowParams }
  }, async function listExecution (request, reply) {
    const q = request.query
    const flowSid = request.params.FlowSid
    const accountSid = request.caller.accountSid
    const baseUrl = base(request)
    // Reads only (an auto flow registered by this request changes the database, so that answer is not kept).
    const json = store.cachedRead(`${accountSid} ${baseUrl} ${request.url}`, () => {
      flows.assertReadable(request.caller, flowSid)
      const page = parsePageRequest(q, ['number', 'number'])
      const filters: Array<[string, string]> = []
      const createdFrom = rules.dateFilters ? dateFilter('DateCreatedFrom', q.DateCreatedFrom, filters) : undefined
      const createdTo = rules.dateFilters ? dateFilter('DateCreatedTo', q.DateCreatedTo, filters) : undefined
      let status: ExecutionStatus | undefined
      if (rules.statusFilter && q.status !== undefined && q.status !== '') {
        if (!STATUSES.includes(q.status as ExecutionStatus)) throw invalidParameter('status', `must be one of ${STATUSES.join(', ')}`)
        status = q.status as ExecutionStatus
        filters.push(['status', status])
      }
      const keyOf = (e: ExecutionRecord) => [e.dateCreated, e.id]
      const { request: read, result } = readPage(page, keyOf, token => store.listExecutions(accountSid, flowSid, {
        createdFrom, createdTo, status, token, pageSize: page.pageSize
      }))
      const meta = pageMeta({
        listUrl: `${baseUrl}/${surface.version}/Flows/${flowSid}/${surface.collection}`,
        filters,
        request: read,
        result,
        keyOf: (e: ExecutionRecord) => [e.dateCreated, e.id],
        key: surface.listKey
      })
      let items = ''
      for (const e of result.items) items += (items === '' ? '' : ',') + executionJson(e, baseUrl, surface)
      return `{"${surface.listKey}":[${items}],"meta":${JSON.stringify(meta)}}`
    })
    return await reply.type(JSON_TYPE).send(json)
  })

  app.get<{ Params: ExecutionPath }>(item, {
    schema: { params: executionParams }
  }, async function fetchExecution (request, reply) {
    const { FlowSid, Sid } = request.params
    const accountSid = request.caller.accountSid
    const baseUrl = base(request)
    const json = store.cachedRead(`${accountSid} ${baseUrl} ${request.url}`, () => {
      const execution = store.getExecution(accountSid, FlowSid, Sid)
      if (execution === undefined) throw resourceMissing()
      return executionJson(execution, baseUrl, surface)
    })
    return await reply.type(JSON_TYPE).send(json)
  })

  if (rules.canUpdate) {
    app.post<{ Params: ExecutionPath, Body: { Status: string } }>(item, {
      schema: { params: executionParams, body: updateExecutionBody }
    }, async function updateExecution (request, reply) {
      const { FlowSid, Sid } = request.params
      const status = request.body.Status
      if (!STATUSES.includes(status as ExecutionStatus)) throw invalidParameter('Status', `must be one of ${STATUSES.join(', ')}`)
      const execution = executions.setStatus(request.caller, FlowSid, Sid, status as ExecutionStatus)
      return await reply.type(JSON_TYPE).send(executionJson(execution, base(request), surface))
    })
  }

  app.delete<{ Params: ExecutionPath }>(item, {
    schema: { params: executionParams }
  }, async function deleteExecution (request, reply) {
    const { FlowSid, Sid } = request.params
    if (!store.deleteExecution(request.caller.accountSid, FlowSid, Sid)) throw resourceMissing()
    return await reply.code(204).send()
  })

  app.get<{ Params: ExecutionPath }>(`${item}/Context`, {
    schema: { params: executionParams, response: { 200: executionContextSchema(surface) } }
  }, async function fetchExecutionContext (request) {
    const { FlowSid, Sid } = request.params
    const found = store.getExecutionContext(request.caller.accountSid, FlowSid, Sid)
    if (found === undefined) throw resourceMissing()
    return toExecutionContextResource(found.execution, found.context, base(request), surface)
  })
})

/** DateCreatedFrom/To: ISO 8601 (the spec's `YYYY-MM-DDThh:mm:ss-hh:mm`); the value is echoed into page URLs. */
function dateFilter (name: string, value: unknown, filters: Array<[string, string]>): number | undefined {
  if (value === undefined || value === '') return undefined
  const ms = typeof value === 'string' ? parseTwilioDate(value) : undefined
  if (ms === undefined) throw invalidParameter(name, 'must be an ISO 8601 date-time such as 2024-01-31T12:00:00Z')
  filters.push([name, value as string])
  return ms
}
