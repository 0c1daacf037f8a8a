// Answers already built from the database, kept only while the database has not changed since, so that a client can
// never see a stale one. SQLite says when it has changed: total_changes() counts every row this connection has
// inserted, updated or deleted (a rolled-back write included), and PRAGMA data_version moves whenever another
// connection (another process on the same file) commits. The cache is dropped whole when either moves; whole-state
// writes (reset, snapshot import) also drop it explicitly.
import type { DB } from './open.js'

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
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  const entries = new Map<string, string>()
  let chars = 0
  let version = ''

  const versionNow = (): string => `${localChanges.get() as number}.${dataVersion.get() as number}`

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

  return { read, clear }
}
