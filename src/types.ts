// The camelCase records the data layer returns and the domain passes around.

export type ExecutionStatus = 'active' | 'ended'
export type FlowStatus = 'draft' | 'published'

/** Who is calling: the account every read and write is scoped to, and the credential used. */
export interface Caller {
  accountSid: string
  /** The account SID or the API key SID that authenticated. */
  principalSid: string
}

export interface FlowRecord {
  id: number
  accountSid: string
  sid: string
  friendlyName: string
  status: FlowStatus
  dateCreated: number
  dateUpdated: number
}

export interface ExecutionRecord {
  /** Storage order: breaks ties between executions created in the same millisecond. */
  id: number
  accountSid: string
  flowSid: string
  sid: string
  contactSid: string
  contactChannelAddress: string
  fromAddress: string
  status: ExecutionStatus
  flowRevision: number | null
  initiatedBy: string | null
  dateCreated: number
  dateUpdated: number
}

export interface StepRecord {
  id: number
  accountSid: string
  flowSid: string
  executionSid: string
  sid: string
  parentStepSid: string | null
  name: string
  transitionedFrom: string
  transitionedTo: string
  type: string
  dateCreated: number
  dateUpdated: number
}

export type JsonObject = Record<string, unknown>
