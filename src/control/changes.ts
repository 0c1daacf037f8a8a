// What changed, for the inspector's live view: a numbered feed of topics (executions, journal, clock, rules, events).
// Writers announce after their commit; the inspector's stream (routes/ui.ts) forwards each change to open pages,
// which reload the parts that show that topic. A page that missed changes (a paused tab, a dropped connection)
// reconnects with the last number it saw and is told to reload everything.
export type ChangeTopic = 'executions' | 'journal' | 'clock' | 'rules' | 'events' | 'flows'

export interface Change {
  seq: number
  topics: ChangeTopic[]
}

export type ChangeFeed = ReturnType<typeof createChangeFeed>

export function createChangeFeed () {
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
      const change = { seq: ++seq, topics: [...pending] }
      pending = new Set()
      for (const l of listeners) l(change)
    })
  }

  function subscribe (listener: (c: Change) => void): () => void {
    listeners.add(listener)
    return () => { listeners.delete(listener) }
  }

  return { changed, subscribe, current: () => seq }
}
