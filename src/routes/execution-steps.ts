// …/Executions/{Sid}/Steps[/{StepSid}[/Context]] for v1 and v2, and the same under v1 Engagements.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import type { Store } from '../db/store.js'
import { baseUrlOf } from '../http/base-url.js'
import { refusingOtherMethods } from '../http/methods.js'
import { executionParams, listResponse, stepContextSchema, stepParams, stepSchema } from '../http/schemas.js'
import { toStepContextResource, toStepResource } from '../resources/execution-step.js'
import type { ExecutionSurface } from '../resources/surface.js'
import { resourceMissing } from '../twilio/errors.js'
import { pageMeta, parsePageRequest, readPage, type PagingQuery } from '../twilio/paging.js'
import type { StepRecord } from '../types.js'

export interface StepRoutesOptions {
  surface: ExecutionSurface
  config: Config
  store: Store
}

interface StepPath { FlowSid: string, Sid: string, StepSid: string }

export const executionStepRoutes = refusingOtherMethods(async function executionStepRoutes (app: FastifyInstance, opts: StepRoutesOptions) {
  const { surface, config, store } = opts
  const base = (request: FastifyRequest) => baseUrlOf(request, config.publicUrl)
  const steps = `/Flows/:FlowSid/${surface.collection}/:Sid/Steps`
  const schema = stepSchema(surface)

  app.get<{ Params: { FlowSid: string, Sid: string }, Querystring: PagingQuery }>(steps, {
    schema: { params: executionParams, response: { 200: listResponse('steps', schema) } }
  }, async function listExecutionStep (request) {
    const { FlowSid, Sid } = request.params
    const { accountSid } = request.caller
    // A list under an execution that does not exist is a 404, not an empty page.
    if (store.getExecution(accountSid, FlowSid, Sid) === undefined) throw resourceMissing()
    const asked = parsePageRequest(request.query, ['number'])
    const { request: page, result } = readPage(asked, (s: StepRecord) => [s.id], token => store.listSteps(accountSid, FlowSid, Sid, { token, pageSize: asked.pageSize }))
    const baseUrl = base(request)
    return {
      steps: result.items.map(s => toStepResource(s, baseUrl, surface)),
      meta: pageMeta({
        listUrl: `${baseUrl}/${surface.version}/Flows/${FlowSid}/${surface.collection}/${Sid}/Steps`,
        filters: [],
        request: page,
        result,
        keyOf: (s: StepRecord) => [s.id],
        key: 'steps'
      })
    }
  })

  app.get<{ Params: StepPath }>(`${steps}/:StepSid`, {
    schema: { params: stepParams, response: { 200: schema } }
  }, async function fetchExecutionStep (request) {
    const { FlowSid, Sid, StepSid } = request.params
    const step = store.getStep(request.caller.accountSid, FlowSid, Sid, StepSid)
    if (step === undefined) throw resourceMissing()
    return toStepResource(step, base(request), surface)
  })

  app.get<{ Params: StepPath }>(`${steps}/:StepSid/Context`, {
    schema: { params: stepParams, response: { 200: stepContextSchema(surface) } }
  }, async function fetchExecutionStepContext (request) {
    const { FlowSid, Sid, StepSid } = request.params
    const found = store.getStepContext(request.caller.accountSid, FlowSid, Sid, StepSid)
    if (found === undefined) throw resourceMissing()
    return toStepContextResource(found.step, found.context, base(request), surface)
  })
})
