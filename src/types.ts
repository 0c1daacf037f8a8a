// The camelCase records the data layer returns and the domain passes around.

export type ExecutionStatus = 'active' | 'ended'

/**
 * Why an execution ended, as Event Streams' `ended_reason` carries it. FLOW_END is Twilio's; the others are
 * ours (docs/fidelity.md, "ended_reason").
 */
export type EndedReason = 'FLOW_END' | 'ENDED_BY_API' | 'STEP_LIMIT' | 'LOOP_LIMIT' | 'EXPIRED' | 'ERROR' | 'CALL_ENDED'
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
  /** The latest revision's author (AuthorSid), or null. */
  authorSid: string | null
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
  /** The User (US…) who wrote this revision, or null. */
  authorSid: string | null
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

/** What the background workers (engine, event delivery) log through: pino's shape, without depending on Fastify. */
export interface Logger {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

// The settings the process runs with: read by config.ts (the only reader of env and argv), used by every floor.

export interface AccountCredential {
  sid: string
  authToken: string
}

export interface ApiKeyCredential {
  sid: string
  secret: string
  accountSid: string
}

/** auto: unknown well-formed FlowSids are registered on first use; strict: they are 404, as in the cloud. */
export type FlowsMode = 'auto' | 'strict'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  port: number
  host: string
  /** SQLite file path, or ':memory:'. */
  dbPath: string
  accounts: readonly AccountCredential[]
  apiKeys: readonly ApiKeyCredential[]
  /** True when no account was configured and the documented default account is in use. */
  usingDefaultAccount: boolean
  /** Base for absolute URLs in responses; undefined means "from the request's Host". */
  publicUrl: string | undefined
  logLevel: LogLevel
  logPretty: boolean
  flowsMode: FlowsMode
  /** A folder of flow definition files loaded into every account at startup. */
  flowsDir: string | undefined
  /** When set, /__emulator/* needs `Authorization: Bearer <token>`. */
  adminToken: string | undefined
  /** How many requests the journal keeps (a ring buffer). */
  journalSize: number
  /** Emulate Studio's REST limit of 20 new executions per second per account. */
  rateLimits: boolean
  /** Posts to a flow's webhook need a valid X-Twilio-Signature (off: signed and unsigned posts are taken alike). */
  checkSignatures: boolean
  /** Where Event Streams' Studio events are POSTed, as CloudEvents. */
  eventsUrl: string | undefined
  /** Offline stand-ins: HTTP widget URLs starting with `prefix` are requested from `base` instead. */
  httpMap: readonly HttpMapping[]
  /** STUDIO_SEED: flows and an optional snapshot loaded into an empty database and by every reset. */
  seed?: string | undefined
  /** STUDIO_SID_SEED: SIDs from a deterministic sequence per prefix instead of the CSPRNG. */
  sidSeed?: string | undefined
}

/** One STUDIO_HTTP_MAP entry: a URL prefix and the base that replaces it. */
export interface HttpMapping {
  prefix: string
  base: string
}
