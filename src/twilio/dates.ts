// Twilio's date rules: responses carry UTC seconds ("2015-07-30T20:00:00Z"); filters take ISO 8601 with an offset.

const DAY_MS = 86_400_000
/** "YYYY-MM-DDT" per day number: a list page formats dates of a few days, over and over. */
const dayPrefixes = new Map<number, string>()
const two = (n: number): string => n < 10 ? `0${n}` : String(n)

/** 2015-07-30T20:00:00Z: UTC, no fractional seconds, as in every Studio response. */
export function toTwilioDate (ms: number): string {
  const day = Math.floor(ms / DAY_MS)
  let prefix = dayPrefixes.get(day)
  if (prefix === undefined) {
    const iso = new Date(day * DAY_MS).toISOString()
    // Years outside 0000-9999 print with a sign; leave them to toISOString.
    if (iso.length !== 24) return new Date(ms).toISOString().slice(0, -5) + 'Z'
    prefix = iso.slice(0, 11)
    if (dayPrefixes.size >= 4096) dayPrefixes.clear()
    dayPrefixes.set(day, prefix)
  }
  const seconds = Math.floor((ms - day * DAY_MS) / 1000)
  return `${prefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}Z`
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
