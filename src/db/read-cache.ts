// Answers already built from the database, kept only while the database has not changed since, so that a client can
// never see a stale one. SQLite says when it has changed: total_changes() counts every row this connection has
// inserted, updated or deleted (a rolled-back write included), and a commit by another connection (another process
// on the same file) rewrites the WAL-index header (see externalVersion). The cache is dropped whole when either
// moves; whole-state writes (reset, snapshot import) also drop it explicitly.
import { closeSync, openSync, readSync } from 'node:fs'
import type { DB } from './open.js'

/** Bytes of the WAL-index header's first copy: https://www.sqlite.org/walformat.html#the_wal_index_file_format */
const WAL_INDEX_HEADER_BYTES = 48

/**
 * A token that changes whenever another connection commits. In WAL mode every commit rewrites the WAL-index header
 * at the start of the `-shm` file (mxFrame, the salts after a WAL restart, and a checksum of them), and readers find
 * the commit only through that header, so one pread of its 48 bytes tells the same as PRAGMA data_version. The
 * pragma takes and drops the WAL read lock (two fcntl calls and a statement: ~9 µs under load, 16 % of a fetch); the
 * pread is one system call. The pragma stays for a database without a `-shm` file (in memory, not in WAL mode), and
 * in the flow cache (flows.ts), which is consulted inside transactions: the pragma follows a transaction's snapshot,
 * the header the latest commit. Here every read is made after the check, outside any transaction.
 */
function externalVersion (db: DB): { now: () => string, close: () => void } {
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  const byPragma = (): string => `v${dataVersion.get() as number}`
  const wal = !db.memory && String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal'
  let fd: number | undefined
  try {
    // The server's connection has read in WAL mode by now (migrations), so SQLite has made the file.
    if (wal) fd = openSync(`${db.name}-shm`, 'r')
  } catch {
    fd = undefined
  }
  if (fd === undefined) return { now: byPragma, close: () => {} }
  const header = Buffer.alloc(WAL_INDEX_HEADER_BYTES)
  let open: number | undefined = fd
  return {
    now: () => {
      if (open === undefined || readSync(open, header, 0, WAL_INDEX_HEADER_BYTES, 0) !== WAL_INDEX_HEADER_BYTES) return byPragma()
      return header.toString('latin1')
    },
    close: () => {
      if (open !== undefined) closeSync(open)
      open = undefined
    }
  }
}

export interface ReadCacheOptions {
  /** Entries kept at most (least recently used first out). */
  maxEntries?: number
  /** Characters kept at most, over all entries. */
  maxChars?: number
}

export type ReadCache = ReturnType<typeof createReadCache>

export function createReadCache (db: DB, opts: ReadCacheOptions = {}) {
  const maxEntries = opts.maxEntries ?? 2_000
  const maxChars = opts.maxChars ?? 8_000_000
  const localChanges = db.prepare('SELECT total_changes()').pluck()
  const external = externalVersion(db)
  const entries = new Map<string, string>()
  let chars = 0
  let version = ''

  const versionNow = (): string => `${localChanges.get() as number}.${external.now()}`

  function clear (): void {
    entries.clear()
    chars = 0
  }

  /**
   * The text `build` makes for `key`, from the cache when the database is unchanged since it was built. `build` runs
   * its reads synchronously; what it returns is kept only if the database did not change while it ran (so a build
   * that writes, or one that throws, is never kept).
   */
  function read (key: string, build: () => string): string {
    const before = versionNow()
    if (before !== version) {
      clear()
      version = before
    } else {
      const hit = entries.get(key)
      if (hit !== undefined) {
        // Most recently used last.
        entries.delete(key)
        entries.set(key, hit)
        return hit
      }
    }
    const text = build()
    if (text.length <= maxChars / 4 && versionNow() === before) {
      entries.set(key, text)
      chars += text.length
      for (const [k, v] of entries) {
        if (entries.size <= maxEntries && chars <= maxChars) break
        entries.delete(k)
        chars -= v.length
      }
    }
    return text
  }

  /** Lets the WAL-index file go (the database is being closed). */
  function close (): void {
    clear()
    external.close()
  }

  return { read, clear, close }
}
