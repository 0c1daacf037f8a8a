// Twilio's date rules: responses carry UTC seconds ("2015-07-30T20:00:00Z"); filters take ISO 8601 with an offset.

/** 2015-07-30T20:00:00Z: UTC, no fractional seconds, as in every Studio response. */
export function toTwilioDate (ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z'
}

const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i

/**
 * Parses a DateCreatedFrom / DateCreatedTo value: `YYYY-MM-DDThh:mm:ss±hh:mm` (the spec's form), `…Z`,
 * fractional seconds, or a bare date (midnight UTC). A value without an offset is read as UTC.
 * Returns epoch ms, or undefined when the text is not such a date.
 */
export function parseTwilioDate (text: string): number | undefined {
  const m = isoDateTime.exec(text.trim())
  if (m === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone
  const fraction = frac === '' ? '' : frac.slice(0, 4).padEnd(4, '0')
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}${offset}`
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return undefined
  // Date.parse rolls 2021-02-30 over to March; refuse dates that do not exist.
  const check = new Date(ms + (offset === 'Z' ? 0 : offsetMs(offset)))
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() + 1 !== Number(mo)) return undefined
  return ms
}

function offsetMs (offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000
}
