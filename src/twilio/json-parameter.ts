// Form fields that carry a JSON object as text (Parameters, Definition): twilio-node JSON.stringifies the object
// it is given; anything else (an array, a number, broken JSON) is refused with 400 naming the field.
import { invalidParameter } from './errors.js'

export function parseJsonObjectParameter (name: string, raw: string, shape: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    throw invalidParameter(name, `must be ${shape}; it is not valid JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(name, `must be ${shape}`)
  return value as Record<string, unknown>
}
