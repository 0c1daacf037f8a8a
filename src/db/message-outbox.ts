// The message outbox: what widgets sent (messages, HTTP requests, calls, Flex tasks), written in the same transaction as
// the Step that sent it, and the log of inbound messages. Part of the data layer: every statement prepared once here.
import type { DB } from './open.js'
import type { JsonObject } from '../types.js'

export interface MessageRecord {
  sid: string
  accountSid: string
  flowSid: string
  executionSid: string
  widget: string
  widgetType: string
  kind: string
  to: string | null
  from: string | null
  body: string | null
  detail: JsonObject
  dateCreated: number
}

export interface MessageFilter {
  flowSid?: string | undefined
  executionSid?: string | undefined
  to?: string | undefined
  kind?: string | undefined
  limit: number
}

export interface InboundMessageRecord {
  accountSid: string
  flowSid: string
  messageSid: string
  from: string
  to: string
  body: string | null
  outcome: string
  executionSid: string | null
  now: number
}

export type MessageOutboxRepository = ReturnType<typeof createMessageOutboxRepository>

const OUTBOX_COLUMNS = `sid, account_sid AS accountSid, flow_sid AS flowSid, execution_sid AS executionSid, widget,
  widget_type AS widgetType, kind, to_address AS "to", from_address AS "from", body, detail, date_created AS dateCreated`

export function createMessageOutboxRepository (db: DB) {
  const s = {
    insertOutbox: db.prepare(`INSERT INTO widget_outbox (account_sid, sid, flow_sid, execution_sid, widget, widget_type, kind,
        to_address, from_address, body, detail, date_created)
      VALUES (@accountSid, @sid, @flowSid, @executionSid, @widget, @widgetType, @kind, @to, @from, @body, @detail, @dateCreated)`),
    listOutbox: db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM widget_outbox
      WHERE (@accountSid IS NULL OR account_sid = @accountSid) AND (@flowSid IS NULL OR flow_sid = @flowSid)
        AND (@to IS NULL OR to_address = @to) AND (@kind IS NULL OR kind = @kind)
      ORDER BY id LIMIT @limit`),
    // One execution's messages through widget_outbox_by_execution (an `@x IS NULL OR` test on the column would not use it).
    listExecutionOutbox: db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM widget_outbox
      WHERE execution_sid = @executionSid AND (@accountSid IS NULL OR account_sid = @accountSid) AND (@flowSid IS NULL OR flow_sid = @flowSid)
        AND (@to IS NULL OR to_address = @to) AND (@kind IS NULL OR kind = @kind)
      ORDER BY id LIMIT @limit`),
    clearOutbox: db.prepare('DELETE FROM widget_outbox WHERE (@accountSid IS NULL OR account_sid = @accountSid)'),
    insertInbound: db.prepare(`INSERT INTO inbound_messages (account_sid, flow_sid, message_sid, from_address, to_address, body, outcome,
        execution_sid, date_created) VALUES (@accountSid, @flowSid, @messageSid, @from, @to, @body, @outcome, @executionSid, @now)`)
  }

  function insertMessage (r: MessageRecord): void {
    s.insertOutbox.run({ ...r, detail: JSON.stringify(r.detail) })
  }

  function listMessages (accountSid: string | null, f: MessageFilter): MessageRecord[] {
    const params = { accountSid, flowSid: f.flowSid ?? null, to: f.to ?? null, kind: f.kind ?? null, limit: f.limit }
    const rows = (f.executionSid === undefined ? s.listOutbox.all(params) : s.listExecutionOutbox.all({ ...params, executionSid: f.executionSid })) as Array<Omit<MessageRecord, 'detail'> & { detail: string }>
    return rows.map(r => ({ ...r, detail: JSON.parse(r.detail) as JsonObject }))
  }

  function clearMessages (accountSid: string | null): number {
    return s.clearOutbox.run({ accountSid }).changes
  }

  function recordInboundMessage (m: InboundMessageRecord): void {
    s.insertInbound.run(m)
  }

  return { insertMessage, listMessages, clearMessages, recordInboundMessage }
}
