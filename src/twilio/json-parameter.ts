// Form fields that carry a JSON object as text (Parameters, Definition): twilio-node JSON.stringifies the object
// it is given; anything else (an array, a number, broken JSON) is refused with 400 naming the field.
import { invalidParameter } from './errors.js'

/** How deep objects and arrays may nest: deeper than any real flow or Parameters, shallow enough to store safely. */
export const MAX_JSON_DEPTH = 64

export function parseJsonObjectParameter (name: string, raw: string, shape: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw invalidParameter(name, `must be ${shape}; it is not valid JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(name, `must be ${shape}`)
  if (jsonDepth(value) > MAX_JSON_DEPTH) throw invalidParameter(name, `may nest objects and arrays at most ${MAX_JSON_DEPTH} deep`)
  return value as Record<string, unknown>
}

/** The nesting depth of a parsed JSON value, measured without recursion (so a hostile value cannot overflow it). */
export function jsonDepth (value: unknown): number {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number]
    if (v === null || typeof v !== 'object') continue
    if (depth > max) max = depth
    if (max > MAX_JSON_DEPTH) return max
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1])
  }
  return max
}
