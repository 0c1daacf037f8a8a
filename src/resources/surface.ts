// The three REST surfaces over executions: v1 Executions, v2 Executions and v1 Engagements (the deprecated
// name of the same runs; twilio-oai gives Engagements the same FN SIDs). Each says how its JSON is shaped.
export type ApiVersion = 'v1' | 'v2'

export interface ExecutionSurface {
  version: ApiVersion
  /** The path segment under /Flows/{FlowSid}. */
  collection: 'Executions' | 'Engagements'
  /** The list's `meta.key`. */
  listKey: 'executions' | 'engagements'
  /** The Context link in `links`, and the field naming the parent SID in Context and Step resources. */
  contextLink: 'execution_context' | 'engagement_context'
  parentSidField: 'execution_sid' | 'engagement_sid'
  /** v2 adds `flow_version` and `initiated_by` to the execution. */
  v2Fields: boolean
}

export const V1_EXECUTIONS: ExecutionSurface = {
  version: 'v1', collection: 'Executions', listKey: 'executions', contextLink: 'execution_context', parentSidField: 'execution_sid', v2Fields: false
}
export const V2_EXECUTIONS: ExecutionSurface = {
  version: 'v2', collection: 'Executions', listKey: 'executions', contextLink: 'execution_context', parentSidField: 'execution_sid', v2Fields: true
}
export const V1_ENGAGEMENTS: ExecutionSurface = {
  version: 'v1', collection: 'Engagements', listKey: 'engagements', contextLink: 'engagement_context', parentSidField: 'engagement_sid', v2Fields: false
}

export function executionUrl (base: string, surface: ExecutionSurface, flowSid: string, sid: string): string {
  return `${base}/${surface.version}/Flows/${flowSid}/${surface.collection}/${sid}`
}
