// The event outbox: events written with the change they describe, then delivered in id order. Part of the data layer.
import { writeTransaction, type DB } from './open.js'

export interface EventOutboxEntry {
  id: number
  accountSid: string
  executionSid: string | null
  type: string
  event: Record<string, unknown>
  createdAt: number
  attempts: number
  nextAttemptAt: number
  lastError: string | null
  deliveredAt: number | null
}

interface EventOutboxRow extends Omit<EventOutboxEntry, 'event'> { event: string }

const COLUMNS = `id, account_sid AS accountSid, execution_sid AS executionSid, type, event, created_at AS createdAt,
  attempts, next_attempt_at AS nextAttemptAt, last_error AS lastError, delivered_at AS deliveredAt`

const toEntry = (row: EventOutboxRow): EventOutboxEntry => ({ ...row, event: JSON.parse(row.event) as Record<string, unknown> })

export type EventOutboxRepository = ReturnType<typeof createEventOutboxRepository>

export function createEventOutboxRepository (db: DB) {
  const s = {
    enqueue: db.prepare(`INSERT INTO event_outbox (account_sid, execution_sid, type, event, created_at, next_attempt_at)
      VALUES (@accountSid, @executionSid, @type, @event, @now, @now)`),
    oldestPending: db.prepare(`SELECT ${COLUMNS} FROM event_outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`),
    delivered: db.prepare('UPDATE event_outbox SET delivered_at = @now, attempts = attempts + 1, last_error = NULL WHERE id = @id'),
    failed: db.prepare('UPDATE event_outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id'),
    list: db.prepare(`SELECT ${COLUMNS} FROM event_outbox WHERE (@pending = 0 OR delivered_at IS NULL) ORDER BY id DESC LIMIT @limit`),
    counts: db.prepare('SELECT count(*) AS total, count(*) FILTER (WHERE delivered_at IS NULL) AS pending FROM event_outbox'),
    retryNow: db.prepare('UPDATE event_outbox SET next_attempt_at = @now WHERE delivered_at IS NULL')
  }

  function enqueueEvent (accountSid: string, executionSid: string | null, type: string, event: Record<string, unknown>, now: number): void {
    s.enqueue.run({ accountSid, executionSid, type, event: JSON.stringify(event), now })
  }

  /** The oldest undelivered events: delivery is strictly in order, so a failing batch holds back the ones after it. */
  function oldestPendingEvents (limit: number): EventOutboxEntry[] {
    return (s.oldestPending.all(limit) as EventOutboxRow[]).map(toEntry)
  }

  const markEventsDelivered = writeTransaction(db, (ids: number[], now: number): void => {
    for (const id of ids) s.delivered.run({ id, now })
  })

  const markEventsFailed = writeTransaction(db, (ids: number[], error: string, nextAttemptAt: number): void => {
    for (const id of ids) s.failed.run({ id, error, next: nextAttemptAt })
  })

  function listEvents (opts: { pendingOnly: boolean, limit: number }): EventOutboxEntry[] {
    return (s.list.all({ pending: opts.pendingOnly ? 1 : 0, limit: opts.limit }) as EventOutboxRow[]).map(toEntry)
  }

  function eventCounts (): { total: number, pending: number } {
    return s.counts.get() as { total: number, pending: number }
  }

  function retryPendingEventsNow (now: number): number { return s.retryNow.run({ now }).changes }

  return { enqueueEvent, oldestPendingEvents, markEventsDelivered, markEventsFailed, listEvents, eventCounts, retryPendingEventsNow }
}
