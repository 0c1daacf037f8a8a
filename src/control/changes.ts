// What changed, for the inspector's live view: a numbered feed of topics (executions, journal, clock, rules, events).
// Writers announce after their commit; the inspector's stream (routes/ui.ts) forwards each change to open pages,
// which reload the parts that show that topic. Each change's id names this feed (one per process start) and its
// number: a page that reconnects with an id this feed did not give (the emulator restarted since) or an older number
// (it missed changes: a paused tab, a dropped connection) is told to reload everything.
import { randomBytes } from 'node:crypto'

export type ChangeTopic = 'executions' | 'journal' | 'clock' | 'rules' | 'events' | 'flows'

export interface Change {
  /** `<feed>.<number>`: the feed of this process start and the change's number in it. */
  id: string
  topics: ChangeTopic[]
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>

export function createChangeFeed () {
  const feed = randomBytes(6).toString('hex')
  let seq = 0
  const listeners = new Set<(c: Change) => void>()
  let pending = new Set<ChangeTopic>()
  let scheduled = false

  /** Announces a change; changes of one event-loop turn go out together. */
  function changed (...topics: ChangeTopic[]): void {
    if (listeners.size === 0) { seq++; return }
    for (const t of topics) pending.add(t)
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      const change = { id: `${feed}.${++seq}`, topics: [...pending] }
      pending = new Set()
      for (const l of listeners) l(change)
    })
  }

  function subscribe (listener: (c: Change) => void): () => void {
    listeners.add(listener)
    return () => { listeners.delete(listener) }
  }

  /** The id of the latest change. */
  const current = (): string => `${feed}.${seq}`

  /**
   * Whether a page that last saw `lastId` may have missed changes: the id is from another process start (or is not
   * one of ours), or older than the latest change.
   */
  function missed (lastId: string): boolean {
    const [from, n] = lastId.split('.')
    return from !== feed || n === undefined || !/^\d{1,15}$/.test(n) || Number(n) < seq
  }

  return { changed, subscribe, current, missed }
}
