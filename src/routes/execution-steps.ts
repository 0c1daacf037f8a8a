// /v1 and /v2 Flows/{FlowSid}/Executions/{ExecutionSid}/Steps[/{Sid}[/Context]].
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { Store } from '../db/store.js'
import { baseUrlOf } from '../http/base-url.js'
import { resourcePath } from '../http/errors.js'
import { refuseOtherMethods } from '../http/methods.js'
import { executionChildParams, executionStep, executionStepContext, listResponse, stepContextParams, stepParams } from '../http/schemas.js'
import type { ApiVersion } from '../resources/execution.js'
import { toStepContextResource, toStepResource } from '../resources/execution-step.js'
import { resourceNotFound } from '../twilio/errors.js'
import { pageMeta, parsePageRequest, type PagingQuery } from '../twilio/paging.js'
import type { StepRecord } from '../types.js'

export interface StepRoutesOptions {
  version: ApiVersion
  config: Config
  store: Store
}

export async function executionStepRoutes (app: FastifyInstance, opts: StepRoutesOptions) {
  const { version, config, store } = opts

  app.get<{ Params: { FlowSid: string, ExecutionSid: string }, Querystring: PagingQuery }>('/Flows/:FlowSid/Executions/:ExecutionSid/Steps', {
    schema: { params: executionChildParams, response: { 200: listResponse('steps', executionStep) } }
  }, async function listExecutionStep (request) {
    const { FlowSid, ExecutionSid } = request.params
    const { accountSid } = request.caller
    // A list under an execution that does not exist is a 404, not an empty page.
    if (store.getExecution(accountSid, FlowSid, ExecutionSid) === undefined) throw resourceNotFound(resourcePath(request.url))
    const page = parsePageRequest(request.query, ['number'])
    const result = store.listSteps(accountSid, FlowSid, ExecutionSid, { token: page.token, pageSize: page.pageSize })
    const baseUrl = baseUrlOf(request, config.publicUrl)
    return {
      steps: result.items.map(s => toStepResource(s, baseUrl, version)),
      meta: pageMeta({
        listUrl: `${baseUrl}/${version}/Flows/${FlowSid}/Executions/${ExecutionSid}/Steps`,
        filters: [],
        request: page,
        result,
        keyOf: (s: StepRecord) => [s.id],
        key: 'steps'
      })
    }
  })

  app.get<{ Params: { FlowSid: string, ExecutionSid: string, Sid: string } }>('/Flows/:FlowSid/Executions/:ExecutionSid/Steps/:Sid', {
    schema: { params: stepParams, response: { 200: executionStep } }
  }, async function fetchExecutionStep (request) {
    const { FlowSid, ExecutionSid, Sid } = request.params
    const step = store.getStep(request.caller.accountSid, FlowSid, ExecutionSid, Sid)
    if (step === undefined) throw resourceNotFound(resourcePath(request.url))
    return toStepResource(step, baseUrlOf(request, config.publicUrl), version)
  })

  app.get<{ Params: { FlowSid: string, ExecutionSid: string, StepSid: string } }>('/Flows/:FlowSid/Executions/:ExecutionSid/Steps/:StepSid/Context', {
    schema: { params: stepContextParams, response: { 200: executionStepContext } }
  }, async function fetchExecutionStepContext (request) {
    const { FlowSid, ExecutionSid, StepSid } = request.params
    const found = store.getStepContext(request.caller.accountSid, FlowSid, ExecutionSid, StepSid)
    if (found === undefined) throw resourceNotFound(resourcePath(request.url))
    return toStepContextResource(found.step, found.context, baseUrlOf(request, config.publicUrl), version)
  })

  refuseOtherMethods(app, '/Flows/:FlowSid/Executions/:ExecutionSid/Steps', ['GET'])
  refuseOtherMethods(app, '/Flows/:FlowSid/Executions/:ExecutionSid/Steps/:Sid', ['GET'])
  refuseOtherMethods(app, '/Flows/:FlowSid/Executions/:ExecutionSid/Steps/:StepSid/Context', ['GET'])
}
