// Path patterns for the control API's filters and fault rules: `*` matches within one path segment, `**` (any run
// of stars) across segments. Matched by dynamic programming, in time proportional to pattern × path, so no
// pattern can stall the server the way a backtracking regular expression can.
import { invalidParameter } from '../twilio/errors.js'

const MAX_PATTERN_LENGTH = 500
/** Longer paths never match a pattern (no real API path is this long). */
const MAX_PATH_LENGTH = 4096

const SEGMENT = 1
const ANY = 2

export type PathMatcher = (path: string) => boolean

export function compileGlob (pattern: string): PathMatcher {
  if (pattern.length > MAX_PATTERN_LENGTH) throw invalidParameter('path', `patterns may be at most ${MAX_PATTERN_LENGTH} characters long`)
  const tokens: Array<string | number> = []
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*') { tokens.push(pattern[i] as string); continue }
    let end = i
    while (pattern[end + 1] === '*') end++
    tokens.push(end > i ? ANY : SEGMENT)
    i = end
  }
  const m = tokens.length
  return (path) => {
    if (path.length > MAX_PATH_LENGTH) return false
    // row[j]: the first j tokens match the path read so far.
    let row = new Uint8Array(m + 1)
    let next = new Uint8Array(m + 1)
    row[0] = 1
    for (let j = 1; j <= m; j++) row[j] = typeof tokens[j - 1] === 'number' && row[j - 1] === 1 ? 1 : 0
    for (let i = 0; i < path.length; i++) {
      const c = path[i]
      next[0] = 0
      for (let j = 1; j <= m; j++) {
        const t = tokens[j - 1]
        if (t === ANY) next[j] = next[j - 1] === 1 || row[j] === 1 ? 1 : 0
        else if (t === SEGMENT) next[j] = next[j - 1] === 1 || (row[j] === 1 && c !== '/') ? 1 : 0
        else next[j] = row[j - 1] === 1 && c === t ? 1 : 0
      }
      const swap = row
      row = next
      next = swap
    }
    return row[m] === 1
  }
}
