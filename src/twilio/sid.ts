// Twilio SIDs: a two-letter prefix and 32 hex digits. Generation, validation and the stable contact SID.
import { createHash } from 'node:crypto'
import { customAlphabet } from 'nanoid'

/**
 * Twilio's prefixes we mint (CA calls, RE recordings, QU queues, WT TaskRouter tasks, CH conversations, IM
 * conversation messages, MB participants, EZ Event Streams events; EV was the emulator's event id before EZ and
 * stays for events already stored), plus FR for the emulator's own fault rules.
 */
export type SidPrefix = 'AC' | 'SK' | 'FW' | 'FN' | 'FT' | 'FC' | 'RQ' | 'SM' | 'MM' | 'US' | 'EV' | 'EZ' | 'FR' | 'CA' | 'RE' | 'QU' | 'WT' | 'CH' | 'IM' | 'MB'

const hex22 = customAlphabet('0123456789abcdef', 22)

/**
 * The first 10 of a new SID's 32 hex digits: the time in milliseconds, modulo 16^10 (it wraps every 34.8 years).
 * SIDs minted later sort after earlier ones, so the unique index on execution SIDs grows at one end, as an
 * autoincrement key does, instead of dirtying a random page of a million-row index at every create (bench/README.md).
 */
function timeDigits (): string {
  const now = Date.now()
  // Many SIDs are minted in the same millisecond: the digits are written once for it.
  if (now !== digitsAt) {
    digitsAt = now
    digits = (now % 0x10000000000).toString(16).padStart(10, '0')
  }
  return digits
}
let digitsAt = -1
let digits = ''

/** Where SIDs come from when not from the CSPRNG: a deterministic sequence per prefix (STUDIO_SID_SEED). */
export interface SidSequence {
  next: (prefix: SidPrefix) => string
  /** Takes back the prefix's last SID when it was not used (a refused create), so refusals never shift the sequence. */
  release: (prefix: SidPrefix, digits: string) => void
}

let sequence: SidSequence | undefined

/** Makes every new SID of this process come from `s` (undefined: random again). */
export function useSidSequence (s: SidSequence | undefined): void {
  sequence = s
}

/**
 * STUDIO_SID_SEED: the n-th SID of each prefix is the first 32 hex digits of SHA-256(seed, run, prefix, n), one
 * sequence per prefix, so that request ids or health polls never shift the FN sequence. `run` tells a restart on the
 * same database from a first start (its SIDs must not repeat the first run's).
 */
export function seededSidSequence (seed: string, run: number): SidSequence {
  const counters = new Map<string, number>()
  const last = new Map<string, string>()
  return {
    next (prefix) {
      const n = counters.get(prefix) ?? 0
      counters.set(prefix, n + 1)
      const digits = createHash('sha256').update(`${seed}\0${run}\0${prefix}\0${n}`).digest('hex').slice(0, 32)
      last.set(prefix, digits)
      return digits
    },
    release (prefix, digits) {
      if (last.get(prefix) !== digits) return
      counters.set(prefix, (counters.get(prefix) ?? 1) - 1)
      last.delete(prefix)
    }
  }
}

/**
 * A new SID: prefix + 32 lowercase hex digits (the form of every example in twilio-oai), 10 of the time then 22 from
 * the CSPRNG, e.g. FN9ae3c5b2f1…; or the seeded sequence's.
 */
/** A SID from newSid that was not used after all: the seeded sequence gives it again (no effect on random SIDs). */
export function releaseSid (sid: string): void {
  sequence?.release(sid.slice(0, 2) as SidPrefix, sid.slice(2))
}

export function newSid (prefix: SidPrefix): string {
  return prefix + (sequence?.next(prefix) ?? timeDigits() + hex22())
}

/** The spec's pattern for a SID with this prefix, e.g. ^FW[0-9a-fA-F]{32}$. */
export function sidPattern (prefix: SidPrefix): string {
  return `^${prefix}[0-9a-fA-F]{32}$`
}

const patterns = new Map<string, RegExp>()

export function isSid (prefix: SidPrefix, value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 34) return false
  let re = patterns.get(prefix)
  if (re === undefined) {
    re = new RegExp(sidPattern(prefix))
    patterns.set(prefix, re)
  }
  return re.test(value)
}

/**
 * Studio gives each contact one FC SID per account, the same for every execution to that address.
 * Derived rather than stored: a hash of account and address is stable across restarts and costs no write.
 */
export function contactSid (accountSid: string, address: string): string {
  const key = `${accountSid}\0${address}`
  let sid = contactSids.get(key)
  if (sid === undefined) {
    sid = 'FC' + createHash('sha256').update(accountSid).update('\0').update(address).digest('hex').slice(0, 32)
    // Every execution read computes its contact's SID: the recent ones are kept (a page lists the same few often).
    if (contactSids.size >= 10_000) contactSids.clear()
    contactSids.set(key, sid)
  }
  return sid
}
const contactSids = new Map<string, string>()
