// The camelCase records the data layer returns and the domain passes around.

export type ExecutionStatus = 'active' | 'ended'

/**
 * Why an execution ended, as Event Streams' `ended_reason` carries it. FLOW_END is Twilio's; the others are
 * ours (docs/fidelity.md, "ended_reason").
 */
export type EndedReason = 'FLOW_END' | 'ENDED_BY_API' | 'STEP_LIMIT' | 'LOOP_LIMIT' | 'EXPIRED' | 'ERROR'
export type FlowStatus = 'draft' | 'published'

/** Who is calling: the account every read and write is scoped to, and the credential used. */
export interface Caller {
  accountSid: string
  /** The account SID or the API key SID that authenticated. */
  principalSid: string
}

/** How a flow came to exist: the v2 API, a file in STUDIO_FLOWS_DIR, or first use of an unknown FlowSid. */
export type FlowOrigin = 'api' | 'file' | 'auto'

/** A flow with the headline fields of its latest revision (no definition). */
export interface FlowRecord {
  id: number
  accountSid: string
  sid: string
  origin: FlowOrigin
  /** The latest revision's number, friendly name and status. */
  revision: number
  friendlyName: string
  status: FlowStatus
  testUsers: string[]
  dateCreated: number
  dateUpdated: number | null
}

export interface FlowValidationError {
  message: string
  property_path: string
}

/** One immutable revision of a flow's definition. */
export interface FlowRevisionRecord {
  accountSid: string
  flowSid: string
  revision: number
  friendlyName: string
  status: FlowStatus
  definition: JsonObject
  commitMessage: string | null
  valid: boolean
  errors: FlowValidationError[]
  warnings: FlowValidationError[]
  dateCreated: number
  dateUpdated: number | null
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
  endedReason: EndedReason | null
  flowRevision: number
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
  dateUpdated: number | null
}

export type JsonObject = Record<string, unknown>
