// The event outbox: events written with the change they describe, then delivered by src/events/dispatcher.ts.
// Each pending event has its own next attempt; a delivered, dropped or expired event leaves the pending set.
// Times are the emulator clock's. Part of the data layer.
import { writeTransaction, type DB } from './open.js'

/** pending → delivered (a 2xx), dropped (a 4xx other than 429) or expired (still failing after the retry window). */
export type EventStatus = 'pending' | 'delivered' | 'dropped' | 'expired'

export interface EventOutboxEntry {
  id: number
  accountSid: string
  executionSid: string | null
  type: string
  event: Record<string, unknown>
  createdAt: number
  status: EventStatus
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  deliveredAt: number | null
  /** When a dropped or expired event was given up. */
  failedAt: number | null
}

/** What one delivery attempt did to one event. */
export type EventAttempt =
  | { id: number, outcome: 'delivered', at: number }
  | { id: number, outcome: 'retry', error: string, nextAttemptAt: number }
  | { id: number, outcome: 'dropped' | 'expired', error: string, at: number }

interface EventOutboxRow extends Omit<EventOutboxEntry, 'event'> { event: string }

const COLUMNS = `id, account_sid AS accountSid, execution_sid AS executionSid, type, event, created_at AS createdAt,
  status, attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError, delivered_at AS deliveredAt, failed_at AS failedAt`

const toEntry = (row: EventOutboxRow): EventOutboxEntry => ({ ...row, event: JSON.parse(row.event) as Record<string, unknown> })

export type EventOutboxRepository = ReturnType<typeof createEventOutboxRepository>

export function createEventOutboxRepository (db: DB) {
  const s = {
    enqueue: db.prepare(`INSERT INTO event_outbox (account_sid, execution_sid, type, event, created_at, next_attempt_at)
      VALUES (@accountSid, @executionSid, @type, @event, @now, @now)`),
    due: db.prepare(`SELECT ${COLUMNS} FROM event_outbox
      WHERE status = 'pending' AND (next_attempt_at <= @now OR next_attempt_at > @latest) ORDER BY id LIMIT @limit`),
    nextAttempt: db.prepare("SELECT min(next_attempt_at) AS next FROM event_outbox WHERE status = 'pending'"),
    delivered: db.prepare(`UPDATE event_outbox SET status = 'delivered', delivered_at = @at, attempts = attempts + 1, last_error = NULL
      WHERE id = @id AND status = 'pending'`),
    retry: db.prepare(`UPDATE event_outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next
      WHERE id = @id AND status = 'pending'`),
    givenUp: db.prepare(`UPDATE event_outbox SET status = @status, failed_at = @at, attempts = attempts + 1, last_error = @error
      WHERE id = @id AND status = 'pending'`),
    list: db.prepare(`SELECT ${COLUMNS} FROM event_outbox WHERE (@pending = 0 OR status = 'pending') ORDER BY id DESC LIMIT @limit`),
    counts: db.prepare(`SELECT count(*) AS total, count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status IN ('dropped', 'expired')) AS failed FROM event_outbox`),
    retryNow: db.prepare("UPDATE event_outbox SET next_attempt_at = @now WHERE status = 'pending'")
  }

  function enqueueEvent (accountSid: string, executionSid: string | null, type: string, event: Record<string, unknown>, now: number): void {
    s.enqueue.run({ accountSid, executionSid, type, event: JSON.stringify(event), now })
  }

  /**
   * Pending events due at `now`, oldest first. A next attempt later than `latest` is due too: no back-off is that long,
   * so the clock was moved back after it was set, and the event should not wait for the clock to catch up.
   */
  function dueEvents (now: number, latest: number, limit: number): EventOutboxEntry[] {
    return (s.due.all({ now, latest, limit }) as EventOutboxRow[]).map(toEntry)
  }

  /** The earliest next attempt of any pending event, or null when none is pending. */
  function nextEventAttemptAt (): number | null {
    return (s.nextAttempt.get() as { next: number | null }).next
  }

  /** Records what one request did to its events, in one transaction. An event no longer pending is left as it is. */
  const recordEventAttempts = writeTransaction(db, (attempts: readonly EventAttempt[]): void => {
    for (const a of attempts) {
      if (a.outcome === 'delivered') s.delivered.run({ id: a.id, at: a.at })
      else if (a.outcome === 'retry') s.retry.run({ id: a.id, error: a.error, next: a.nextAttemptAt })
      else s.givenUp.run({ id: a.id, status: a.outcome, at: a.at, error: a.error })
    }
  })

  function listEvents (opts: { pendingOnly: boolean, limit: number }): EventOutboxEntry[] {
    return (s.list.all({ pending: opts.pendingOnly ? 1 : 0, limit: opts.limit }) as EventOutboxRow[]).map(toEntry)
  }

  /** Totals: every event, the pending ones, and the failed ones (dropped or expired). */
  function eventCounts (): { total: number, pending: number, failed: number } {
    return s.counts.get() as { total: number, pending: number, failed: number }
  }

  /** Makes every pending event due at `now`; dropped and expired events stay given up. */
  function retryPendingEventsNow (now: number): number { return s.retryNow.run({ now }).changes }

  return { enqueueEvent, dueEvents, nextEventAttemptAt, recordEventAttempts, listEvents, eventCounts, retryPendingEventsNow }
}
