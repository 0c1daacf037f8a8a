// Twilio's OpenAPI descriptions of Studio, compiled once: response validators by version, operationId and status.
// Read from ../shared/reference/ when present, else from the twilio-oai copy in the @twilio-alpha/mcp devDependency.
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const root = fileURLToPath(new URL('../..', import.meta.url))
const CANDIDATES = [`${root}../shared/reference`, `${root}node_modules/@twilio-alpha/mcp/twilio-oai/spec/json`]
export const SPEC_DIR = CANDIDATES.find(dir => existsSync(`${dir}/twilio_studio_v1.json`)) ??
  (() => { throw new Error(`Twilio's Studio OpenAPI files were found in none of: ${CANDIDATES.join(', ')}`) })()

type Version = 'v1' | 'v2'
interface Operation { method: string, path: string, operationId: string, responses: Record<string, { content?: Record<string, { schema: object }> }> }

const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)
for (const f of ['phone-number', 'uri-map', 'int64']) ajv.addFormat(f, true)

export const specs: Record<Version, any> = {
  v1: JSON.parse(readFileSync(`${SPEC_DIR}/twilio_studio_v1.json`, 'utf8')),
  v2: JSON.parse(readFileSync(`${SPEC_DIR}/twilio_studio_v2.json`, 'utf8'))
}
for (const v of ['v1', 'v2'] as const) ajv.addSchema({ components: fromOpenApi(specs[v].components) }, `studio_${v}`)

/** OpenAPI 3.0's `nullable: true` → JSON Schema's type union (or no constraint when there is no type). */
function fromOpenApi (node: any): any {
  if (Array.isArray(node)) return node.map(fromOpenApi)
  if (node === null || typeof node !== 'object') return node
  const out: any = {}
  for (const [k, v] of Object.entries(node)) if (k !== 'nullable' && k !== 'example' && k !== 'examples') out[k] = fromOpenApi(v)
  if (node.nullable === true && typeof node.type === 'string') out.type = [node.type, 'null']
  return out
}

/** Every operation of both files: what the "every path is exercised" tests iterate over. */
export function operations (version: Version): Operation[] {
  const ops: Operation[] = []
  for (const [path, item] of Object.entries<any>(specs[version].paths)) {
    for (const method of ['get', 'post', 'delete']) {
      if (item[method] !== undefined) ops.push({ method: method.toUpperCase(), path, operationId: item[method].operationId, responses: item[method].responses })
    }
  }
  return ops
}

const cache = new Map<string, ValidateFunction>()

function validatorFor (version: Version, operationId: string, status: number): ValidateFunction {
  const key = `${version} ${operationId} ${status}`
  let validate = cache.get(key)
  if (validate !== undefined) return validate
  const op = operations(version).find(o => o.operationId === operationId)
  if (op === undefined) throw new Error(`no operation ${operationId} in Studio ${version}`)
  const schema = op.responses[String(status)]?.content?.['application/json']?.schema
  if (schema === undefined) throw new Error(`${version} ${operationId} documents no JSON body for ${status}`)
  // Point local refs at the registered components of this version.
  const rewritten = JSON.parse(JSON.stringify(fromOpenApi(schema)).replaceAll('"#/components/', `"studio_${version}#/components/`))
  validate = ajv.compile(rewritten)
  cache.set(key, validate)
  return validate
}

/** Throws with Ajv's errors when `body` does not match the spec's response schema for that operation and status. */
export function assertMatchesSpec (version: Version, operationId: string, status: number, body: unknown): void {
  const validate = validatorFor(version, operationId, status)
  if (!validate(body)) {
    throw new Error(`${version} ${operationId} ${status} does not match Twilio's schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`)
  }
}

/** Whether the files are the current reference (../shared/reference) rather than the older copy in @twilio-alpha/mcp. */
export const SPEC_IS_CURRENT = SPEC_DIR === CANDIDATES[0]

/**
 * Also checks that no field of the schema is missing and, against the current reference, that none is added:
 * extra fields are a fidelity bug too. The older twilio-oai copy (a clone without ../shared) predates fields
 * Twilio added since (author_sid, flow_version, a Step's type, …), so extra fields are only checked against the
 * current files.
 */
export function assertExactFields (version: Version, schemaName: string, body: Record<string, unknown>): void {
  const props = Object.keys(specs[version].components.schemas[schemaName].properties)
  const extra = SPEC_IS_CURRENT ? Object.keys(body).filter(k => !props.includes(k)) : []
  const missing = props.filter(k => !(k in body))
  if (extra.length > 0 || missing.length > 0) throw new Error(`${schemaName}: extra fields [${extra.join(', ')}], missing fields [${missing.join(', ')}]`)
}
