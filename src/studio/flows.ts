// Studio Flows: creating, revising, validating, deleting, test users, the flows folder, and which revision an
// execution runs (auto vs strict flows, published revisions, test users on drafts).
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { NewRevision } from '../db/flows.js'
import { SNAPSHOT_FORMAT } from '../db/snapshot.js'
import type { Store } from '../db/store.js'
import { flowNotFound, invalidFlowDefinition, invalidParameter, resourceMissing } from '../twilio/errors.js'
import { isSid, newSid } from '../twilio/sid.js'
import type { Caller, FlowRecord, FlowRevisionRecord, FlowStatus, FlowValidationError, FlowsMode, JsonObject, Logger } from '../types.js'
import type { Clock } from '../clock.js'
import { autoFlowRevision, parseDefinitionParameter, validateDefinition, type ValidationContext } from './flow-definition.js'

export interface FlowWrite {
  friendlyName?: string | undefined
  status: FlowStatus
  /** The Definition form field, unparsed. */
  definition?: string | undefined
  commitMessage?: string | undefined
  /** AuthorSid: the User (US…) writing this revision, as twilio-node 6 sends it. */
  authorSid?: string | undefined
}

/** The flow an execution starts in, and the revision it runs (absent for an auto-registered flow). */
export interface ExecutionTarget {
  flow: FlowRecord
  revision: FlowRevisionRecord
}

export class FlowFileError extends Error {}

/** AuthorSid: a User SID (US + 32 hex), or absent. */
function authorSidOf (value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (!isSid('US', value)) throw invalidParameter('AuthorSid', 'must be a User SID (US followed by 32 hex digits)')
  return value
}

export type FlowService = ReturnType<typeof createFlowService>

export function createFlowService (deps: { store: Store, clock: Clock, mode: FlowsMode, log?: Pick<Logger, 'warn'> }) {
  const { store, clock, mode } = deps

  /** What the validator looks up in the caller's account: the flows a run-subflow may name. */
  const accountContext = (accountSid: string): ValidationContext => ({ flowExists: sid => store.findFlow(accountSid, sid) !== undefined })

  function revisionFrom (accountSid: string, input: { friendlyName: string, status: FlowStatus, definition: JsonObject, commitMessage: string | null, authorSid?: string | undefined }): NewRevision {
    const report = validateDefinition(input.definition, accountContext(accountSid))
    // Drafts may be saved invalid (their errors are listed on the flow); publishing needs a valid definition.
    if (input.status === 'published' && report.errors.length > 0) throw invalidFlowDefinition(report.errors)
    return { ...input, ...report }
  }

  function create (caller: Caller, input: Required<Pick<FlowWrite, 'friendlyName' | 'definition'>> & FlowWrite): FlowRecord {
    const revision = revisionFrom(caller.accountSid, {
      friendlyName: input.friendlyName,
      status: input.status,
      definition: parseDefinitionParameter(input.definition),
      commitMessage: input.commitMessage ?? null,
      authorSid: authorSidOf(input.authorSid)
    })
    return store.createFlow(caller.accountSid, newSid('FW'), 'api', revision, clock.now())
  }

  /** A new revision when the name, status or definition changes; otherwise the flow as it is. */
  function update (caller: Caller, sid: string, input: FlowWrite): FlowRecord {
    const authorSid = authorSidOf(input.authorSid)
    const flow = store.findFlow(caller.accountSid, sid)
    const latest = flow === undefined ? undefined : store.getRevision(caller.accountSid, sid, flow.revision)
    if (flow === undefined || latest === undefined) throw resourceMissing()
    const definition = input.definition === undefined ? latest.definition : parseDefinitionParameter(input.definition)
    const friendlyName = input.friendlyName ?? latest.friendlyName
    const unchanged = friendlyName === latest.friendlyName && input.status === latest.status && canonicalJson(definition) === canonicalJson(latest.definition)
    if (unchanged) return flow
    const revision = revisionFrom(caller.accountSid, { friendlyName, status: input.status, definition, commitMessage: input.commitMessage ?? null, authorSid })
    return store.addRevision(caller.accountSid, sid, revision, clock.now()) ?? flow
  }

  /**
   * POST /v2/Flows/Validate: the same checks as create, without storing anything. Without the caller, run-subflow
   * flow_sids are checked for their form only.
   */
  function validate (input: Required<Pick<FlowWrite, 'definition'>> & FlowWrite, caller?: Caller): void {
    const report = validateDefinition(parseDefinitionParameter(input.definition), caller === undefined ? {} : accountContext(caller.accountSid))
    if (report.errors.length > 0) throw invalidFlowDefinition(report.errors)
  }

  function find (caller: Caller, sid: string): FlowRecord {
    const flow = store.findFlow(caller.accountSid, sid)
    if (flow === undefined) throw resourceMissing()
    return flow
  }

  /**
   * The flow and revision a new execution runs. Unknown flows are registered (auto) or 404 (strict). A contact
   * listed as a test user runs the latest revision, draft or not; everyone else the latest published one.
   */
  function executionTarget (caller: Caller, flowSid: string, to: string): ExecutionTarget {
    let flow = store.findFlow(caller.accountSid, flowSid)
    if (flow === undefined) {
      if (mode === 'strict') throw flowNotFound(flowSid)
      flow = registerAutoFlow(caller.accountSid, flowSid)
    }
    const revision = flow.testUsers.includes(to)
      ? store.getRevision(caller.accountSid, flowSid, flow.revision)
      : store.getRevision(caller.accountSid, flowSid, 'LatestPublished')
    // A flow with no published revision cannot be started: 404 for the flow (docs/fidelity.md).
    if (revision === undefined) throw flowNotFound(flowSid)
    return { flow, revision }
  }

  /**
   * Whether reads under this FlowSid are answered: in auto mode for any FlowSid but one another account owns; in
   * strict mode only for the caller's flows.
   */
  function assertReadable (caller: Caller, flowSid: string): void {
    if (store.findFlow(caller.accountSid, flowSid) !== undefined) return
    if (mode === 'strict' || ownedElsewhere(caller.accountSid, flowSid)) throw resourceMissing()
  }

  /** Another account has a flow with this SID (and this one has none). */
  function ownedElsewhere (accountSid: string, flowSid: string): boolean {
    return store.accountsWithFlow(flowSid).some(a => a !== accountSid)
  }

  function registerAutoFlow (accountSid: string, flowSid: string): FlowRecord {
    // FlowSids are global in Twilio: one another account owns is not this account's to use (a 404), nor to register.
    if (ownedElsewhere(accountSid, flowSid)) throw flowNotFound(flowSid)
    try {
      const flow = store.createFlow(accountSid, flowSid, 'auto', autoFlowRevision(flowSid), clock.now())
      deps.log?.warn({ flow: flowSid, account: accountSid }, autoFlowWarning(flowSid))
      return flow
    } catch (err) {
      // Another request registered it first.
      const existing = store.findFlow(accountSid, flowSid)
      if (existing !== undefined) return existing
      throw err
    }
  }

  /**
   * Loads every *.json file of `dir` into each account: new flows are created, changed ones get a revision.
   * A run-subflow's flow_sid may name any flow of the folder, whichever file comes first, or one the account
   * already has; one naming neither stops the load (FlowFileError) before anything is written.
   */
  function loadDirectory (dir: string, accountSids: readonly string[]): number {
    const files = readFlowFiles(dir)
    if (files.length === 0) deps.log?.warn({ dir }, `STUDIO_FLOWS_DIR ${dir} has no *.json flow files: no flows were loaded`)
    return loadFiles(files, accountSids)
  }

  /** Loads flow files (a flows folder's, or a seed's) into these accounts: new flows, or new revisions of changed ones. */
  function loadFiles (files: readonly FlowFile[], accountSids: readonly string[]): number {
    const inFolder = new Set(files.map(f => f.sid))
    const now = clock.now()
    const planned = accountSids.map(accountSid => ({
      accountSid,
      revisions: files.map(f => {
        const report = validateDefinition(f.definition, { flowExists: sid => inFolder.has(sid) || store.findFlow(accountSid, sid) !== undefined })
        if (report.errors.length > 0) throw new FlowFileError(`flow file ${f.file}: invalid definition in account ${accountSid}: ${describeErrors(report.errors)}`)
        return { f, revision: { friendlyName: f.friendlyName, status: f.status, definition: f.definition, commitMessage: `Loaded from ${f.file}`, ...report } }
      })
    }))
    for (const { accountSid, revisions } of planned) {
      for (const { f, revision } of revisions) {
        const existing = store.findFlow(accountSid, f.sid)
        if (existing === undefined) {
          store.createFlow(accountSid, f.sid, 'file', revision, now)
          continue
        }
        const latest = store.getRevision(accountSid, f.sid, existing.revision)
        if (latest === undefined || latest.friendlyName !== f.friendlyName || latest.status !== f.status || canonicalJson(latest.definition) !== canonicalJson(f.definition)) {
          store.addRevision(accountSid, f.sid, revision, now)
        }
        // A FlowSid first used without a definition (auto) runs from now on: the file gives its definition.
        if (existing.origin === 'auto') store.setFlowOrigin(accountSid, f.sid, 'file')
      }
    }
    return files.length
  }

  /** Replaces the flow's test users (contacts that run its latest revision, draft or not). */
  function setTestUsers (caller: Caller, sid: string, users: string[]): FlowRecord {
    const unique = [...new Set(users.filter(u => u !== ''))]
    if (!store.setTestUsers(caller.accountSid, sid, unique, clock.now())) throw resourceMissing()
    return find(caller, sid)
  }

  return { create, update, validate, find, executionTarget, assertReadable, loadDirectory, loadFiles, setTestUsers }
}

export interface FlowFile {
  file: string
  sid: string
  friendlyName: string
  status: FlowStatus
  definition: JsonObject
}

/**
 * Reads a flows folder. Each file is a Studio export (the definition: description, states, initial_state, flags,
 * with optional `sid`, `friendly_name` and `status` beside them) or a Flow resource as the API returns it (with
 * `definition`). Without a `sid` the SID is derived from the file name, so it is stable across restarts.
 * Any problem throws FlowFileError naming the file.
 */
export function readFlowFiles (dir: string): FlowFile[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter(n => n.endsWith('.json')).sort()
  } catch (err) {
    throw new FlowFileError(`STUDIO_FLOWS_DIR ${dir}: ${(err as Error).message}`)
  }
  const seen = new Map<string, string>()
  const files: FlowFile[] = []
  for (const name of names) {
    const doc = readJsonFile(join(dir, name))
    // A snapshot beside the flows (a seed folder) is not a flow.
    if (isSnapshot(doc)) continue
    files.push(flowFile(join(dir, name), name, doc, seen))
  }
  return files
}

/**
 * STUDIO_SEED: a folder of flow files (as STUDIO_FLOWS_DIR) with at most one snapshot among them
 * (`"format": "studio-emulator/snapshot"`, as GET /__emulator/snapshot writes it), or one such file.
 */
export function readSeed (path: string): { snapshot: unknown, files: FlowFile[] } {
  let directory: boolean
  try {
    directory = statSync(path).isDirectory()
  } catch (err) {
    throw new FlowFileError(`STUDIO_SEED ${path}: ${(err as Error).message}`)
  }
  if (!directory) {
    const doc = readJsonFile(path)
    return isSnapshot(doc) ? { snapshot: doc, files: [] } : { snapshot: undefined, files: [flowFile(path, basename(path), doc, new Map())] }
  }
  const snapshots = readdirSync(path).filter(n => n.endsWith('.json')).sort().filter(n => isSnapshot(readJsonFile(join(path, n))))
  if (snapshots.length > 1) throw new FlowFileError(`STUDIO_SEED ${path}: more than one snapshot (${snapshots.join(', ')})`)
  return { snapshot: snapshots.length === 0 ? undefined : readJsonFile(join(path, snapshots[0] as string)), files: readFlowFiles(path) }
}

/** The warning logged at start when STUDIO_SEED names a folder with neither flow files nor a snapshot. */
export function emptySeedWarning (path: string): string {
  return `STUDIO_SEED ${path} has no *.json flow files and no snapshot: the seed loads nothing, at start or by a reset`
}

const isSnapshot = (doc: unknown): boolean => doc !== null && typeof doc === 'object' && (doc as JsonObject).format === SNAPSHOT_FORMAT

function readJsonFile (file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new FlowFileError(`flow file ${file}: not valid JSON (${(err as Error).message})`)
  }
}

/** One flow file's flow: its SID (given, or derived from the file name), name, status and valid definition. */
function flowFile (file: string, name: string, doc: unknown, seen: Map<string, string>): FlowFile {
  const fail = (why: string): never => { throw new FlowFileError(`flow file ${file}: ${why}`) }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return fail('must hold a JSON object')
  const meta = doc as JsonObject
  const { sid: rawSid, friendly_name: rawName, status: rawStatus, ...rest } = meta
  const definition = (typeof rest.definition === 'object' && rest.definition !== null ? rest.definition : rest) as JsonObject
  const sid = rawSid === undefined ? derivedFlowSid(name) : isSid('FW', rawSid) ? rawSid : fail(`sid "${String(rawSid)}" is not a Flow SID (FW followed by 32 hex digits)`)
  if (seen.has(sid)) fail(`sid ${sid} is also used by ${seen.get(sid) ?? ''}`)
  seen.set(sid, file)
  const friendlyName = rawName === undefined ? basename(name, '.json') : typeof rawName === 'string' && rawName !== '' ? rawName : fail('friendly_name must be a non-empty string')
  const status = rawStatus === undefined ? 'published' : rawStatus === 'draft' || rawStatus === 'published' ? rawStatus : fail('status must be draft or published')
  const { errors } = validateDefinition(definition)
  if (errors.length > 0) fail(`invalid definition: ${describeErrors(errors)}`)
  return { file, sid, friendlyName, status, definition }
}

function describeErrors (errors: readonly FlowValidationError[]): string {
  return errors.map(e => `${e.property_path} ${e.message}`).join('; ')
}

/** The one warning logged when a FlowSid is first used without a definition (STUDIO_FLOWS=auto). */
export function autoFlowWarning (flowSid: string): string {
  return `flow ${flowSid} is not loaded: it was registered on first use (STUDIO_FLOWS=auto) without a definition, ` +
    'so its executions stay active, run no widgets and record no Steps until they are ended. To run it, export the ' +
    `flow from Studio into a STUDIO_FLOWS_DIR file with "sid": "${flowSid}" (and restart, or POST /__emulator/reset), ` +
    'or create it with POST /v2/Flows and use the new SID; STUDIO_FLOWS=strict makes unknown FlowSids 404 as in the cloud.'
}

/** A stable SID for a flow file without one: FW + the first 32 hex digits of SHA-256 of `studio-emulator-flow:<file name>`. */
export function derivedFlowSid (fileName: string): string {
  return 'FW' + createHash('sha256').update(`studio-emulator-flow:${fileName}`).digest('hex').slice(0, 32)
}

/** JSON with object keys sorted, to compare definitions regardless of key order. */
function canonicalJson (value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
    : v)
}
