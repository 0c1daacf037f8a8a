// The inspector's pages and the regions htmx reloads in them, as HTML built from records (no Fastify here). Every
// control has a visible label or an aria-label that starts with its visible text (WCAG 2.5.3); live regions say
// which topics they show (data-live) and where ui/assets.ts's script reloads them from (data-url).
import type { CallRecord } from '../db/calls.js'
import type { EventOutboxEntry } from '../db/event-outbox.js'
import type { InboundMessageRow } from '../db/inspector.js'
import type { MessageRecord } from '../db/message-outbox.js'
import type { FaultRule } from '../control/faults.js'
import type { JournalEntry } from '../control/journal.js'
import type { WidgetChoice } from '../engine/choices.js'
import type { ExecutionRecord, FlowRecord, JsonObject, StepRecord } from '../types.js'
import { html, raw, type Html } from './html.js'

export const ROOT = '/__emulator/ui/'

/** A moment as people read it here: UTC to the second (the full ISO time, with milliseconds, in its title). */
const shown = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`
const time = (ms: number): Html => html`<time datetime="${new Date(ms).toISOString()}" title="${new Date(ms).toISOString()}">${shown(ms)}</time>`
const statusBadge = (status: string): Html => html`<span class="status ${status === 'active' ? 'active' : status === 'ended' ? 'ended' : 'bad'}">${status}</span>`
const qs = (params: Record<string, string | undefined>): string => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v)
  const s = q.toString()
  return s === '' ? '' : `?${s}`
}

const NAV: ReadonlyArray<[string, string]> = [['', 'Executions'], ['flows', 'Flows'], ['journal', 'Journal'], ['events', 'Events'], ['rules', 'Faults & choices']]

export function layout (p: { title: string, active: string, body: Html }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · Studio Emulator</title>
<link rel="stylesheet" href="${ROOT}assets/ui.css">
<link rel="icon" href="data:,">
<script src="${ROOT}assets/htmx.min.js" defer></script>
<script src="${ROOT}assets/ui.js" defer></script>
</head>
<body data-root="${ROOT}">
<header class="top">
  <a class="brand" href="${ROOT}">Studio Emulator</a>
  <nav aria-label="Inspector"><ul>${NAV.map(([path, name]) => html`<li><a href="${ROOT}${path}"${raw(p.active === path ? ' aria-current="page"' : '')}>${name}</a></li>`)}</ul></nav>
  <div class="clock" id="clock" data-live="clock" data-url="${ROOT}fragments/clock" data-swap="innerHTML"></div>
  <form hx-post="${ROOT}actions/reset" hx-swap="none" hx-confirm="Delete every flow, execution and message? Flows from the flows folder come back." data-done="Reset: all data deleted.">
    <button type="submit" class="secondary">Reset</button>
  </form>
  <span id="live-state" class="live-state" aria-live="polite">connecting…</span>
</header>
<div id="errors" role="alert"></div>
<div id="notice" role="status" tabindex="-1"></div>
<main>
<h1>${p.title}</h1>
${p.body}
</main>
</body>
</html>`
}

export function clockFragment (st: { now: number, frozen: boolean, offsetMs: number }): Html {
  const presets: Array<[number, string, string]> = [[60_000, '+1 min', '1 minute'], [3_600_000, '+1 h', '1 hour'], [86_400_000, '+1 day', '1 day']]
  return html`<span>Clock ${time(st.now)}${st.frozen ? ' (frozen)' : ''}${st.offsetMs !== 0 ? html` <span class="muted">(${st.offsetMs > 0 ? '+' : ''}${Math.round(st.offsetMs / 1000)} s)</span>` : ''}</span>
${presets.map(([ms, label, words]) => html`<form hx-post="${ROOT}actions/clock" hx-swap="none" data-done="Clock advanced ${words}."><input type="hidden" name="advance_ms" value="${ms}"><button type="submit" class="secondary" aria-label="${label}: advance clock ${words}">${label}</button></form>`)}
<form hx-post="${ROOT}actions/clock" hx-swap="none" data-done="Clock advanced."><label class="sr-only" for="advance-minutes">Minutes to advance</label><input id="advance-minutes" name="advance_minutes" type="number" min="0" step="any" placeholder="minutes"><button type="submit" class="secondary">Advance clock</button></form>`
}

// ---------------------------------------------------------------------------------------------------------------
// Executions

export interface ExecutionFilters {
  account?: string | undefined
  flow?: string | undefined
  status?: string | undefined
  contact?: string | undefined
  before?: string | undefined
}

export interface ExecutionsPaging {
  /** The cursor of the next page (a full page). */
  next?: string | undefined
  /** A page cut short by the bounded scan: where the search for older matches goes on, and how many it examined. */
  searchOlder?: { from: string, scanned: number } | undefined
}

export function executionsFragment (rows: readonly ExecutionRecord[], names: ReadonlyMap<string, string>, filters: ExecutionFilters, paging: ExecutionsPaging): Html {
  const url = `${ROOT}fragments/executions${qs({ ...filters })}`
  // Only the first page follows changes live; older pages stay as read.
  const live = filters.before === undefined ? ' data-live="executions"' : ''
  const older = paging.searchOlder
  const filtered = filters.flow !== undefined || filters.status !== undefined || filters.contact !== undefined || filters.account !== undefined
  return html`<section id="executions"${raw(live)} data-url="${url}" aria-label="Executions, newest first">
<table>
<thead><tr><th scope="col">Execution</th><th scope="col">Flow</th><th scope="col">Contact</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead>
<tbody>
${rows.length === 0 && older === undefined ? html`<tr><td colspan="6" class="muted">No ${filters.before !== undefined ? 'older ' : ''}executions${filtered ? ' match these filters' : ' yet: start one over REST, by SMS or by call'}.</td></tr>` : ''}
${rows.map(e => html`<tr data-execution="${e.sid}">
<td class="mono"><a href="${ROOT}executions/${e.sid}">${e.sid}</a></td>
<td>${names.get(`${e.accountSid}/${e.flowSid}`) ?? e.flowSid}<div class="muted mono">${e.flowSid}</div></td>
<td class="mono">${e.contactChannelAddress}</td>
<td>${statusBadge(e.status)}${e.endedReason !== null && e.endedReason !== 'FLOW_END' ? html` <span class="muted">${e.endedReason}</span>` : ''}</td>
<td>${time(e.dateCreated)}</td>
<td>${e.status === 'ended' ? time(e.dateUpdated) : ''}</td>
</tr>`)}
</tbody>
</table>
${older !== undefined ? html`<p class="muted" id="search-note">Searched ${older.scanned.toLocaleString('en-US')} ${filters.before !== undefined ? 'older ' : ''}executions: ${rows.length === 0 ? 'none match' : `${rows.length} ${rows.length === 1 ? 'matches' : 'match'}`} these filters. Older executions were not searched yet.</p>` : ''}
<nav class="pager" aria-label="Pages">
${filters.before !== undefined ? html`<a href="${ROOT}${qs({ ...filters, before: undefined })}">Newest</a>` : ''}
${paging.next !== undefined ? html`<a href="${ROOT}${qs({ ...filters, before: paging.next })}">Older executions</a>` : ''}
${older !== undefined ? html`<a href="${ROOT}${qs({ ...filters, before: older.from })}">Search older</a>` : ''}
</nav>
</section>`
}

export function executionsPage (filters: ExecutionFilters, flows: readonly FlowRecord[], accounts: readonly string[], list: Html): Html {
  return layout({
    title: 'Executions',
    active: '',
    body: html`<form class="inline" method="get" action="${ROOT}" aria-label="Filter executions">
<label>Account <select name="account"><option value="">All accounts</option>${accounts.map(a => html`<option value="${a}"${raw(filters.account === a ? ' selected' : '')}>${a}</option>`)}</select></label>
<label>Flow <select name="flow"><option value="">All flows</option>${flows.map(f => html`<option value="${f.sid}"${raw(filters.flow === f.sid ? ' selected' : '')}>${f.friendlyName} (${f.sid.slice(0, 10)}…)</option>`)}</select></label>
<label>Status <select name="status"><option value="">Any</option>${['active', 'ended'].map(s => html`<option${raw(filters.status === s ? ' selected' : '')}>${s}</option>`)}</select></label>
<label>Contact <input name="contact" value="${filters.contact ?? ''}" placeholder="+15551234567"></label>
<button type="submit">Filter</button>
</form>
${list}`
  })
}

// ---------------------------------------------------------------------------------------------------------------
// One execution

export interface ExecutionView {
  execution: ExecutionRecord
  flowName: string
  steps: ReadonlyArray<StepRecord & { context: JsonObject }>
  context: JsonObject
  outbox: readonly MessageRecord[]
  inbound: readonly InboundMessageRow[]
  calls: readonly CallRecord[]
  /** What the execution waits for: 'reply', 'call', 'run', 'subflow' or null. */
  waitKind: string | null
  currentWidget: string | null
  /** The live call and what it waits for (digits, speech, …), when there is one. */
  call: { sid: string, waitingFor: string | null } | undefined
  graph: string
}

/** A JSON value as a tree of <details> (objects and arrays) and values; ids keep open branches open across reloads. */
export function jsonTree (value: unknown, id: string, depth = 0): Html {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? html`<span class="str">"${value}"</span>` : html`<span>${JSON.stringify(value)}</span>`
  }
  const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value as JsonObject)
  if (entries.length === 0) return html`<span>${Array.isArray(value) ? '[]' : '{}'}</span>`
  return html`<ul class="tree">${entries.map(([k, v]) => {
    const childId = `${id}.${k}`.replace(/[^A-Za-z0-9_.-]/g, '_')
    return v !== null && typeof v === 'object' && Object.keys(v).length > 0
      ? html`<li><details id="${childId}"${raw(depth < 1 ? ' open' : '')}><summary><span class="key">${k}</span> ${Array.isArray(v) ? `[${v.length}]` : `{${Object.keys(v).length}}`}</summary>${jsonTree(v, childId, depth + 1)}</details></li>`
      : html`<li><span class="key">${k}</span>: ${jsonTree(v, childId, depth + 1)}</li>`
  })}</ul>`
}

interface ConversationItem { at: number, order: number, kind: 'in' | 'out' | 'call' | 'http', body: Html }

/** What the execution said and heard: messages both ways, what callers heard and pressed, HTTP requests with answers. */
function conversation (v: ExecutionView): Html {
  const items: ConversationItem[] = []
  let order = 0
  for (const m of v.inbound) {
    items.push({ at: m.dateCreated, order: order++, kind: 'in', body: html`<strong>${m.from}</strong> → ${m.to}: ${m.body ?? ''} <span class="muted">(${m.outcome})</span>` })
  }
  for (const m of v.outbox) {
    const d = m.detail
    if (m.kind === 'message') {
      items.push({ at: m.dateCreated, order: order++, kind: 'out', body: html`<strong>${m.widget}</strong> sent to ${m.to ?? ''}: ${m.body ?? ''}` })
    } else if (m.kind === 'http') {
      items.push({ at: m.dateCreated, order: order++, kind: 'http', body: html`<strong>${m.widget}</strong> ${String(d.method ?? '')} <span class="mono">${m.to ?? ''}</span> → ${d.status_code === null || d.status_code === undefined ? `no answer (${String(d.error ?? '')})` : String(d.status_code)}${m.body !== null && m.body !== '' ? html`<div class="muted mono">sent: ${m.body}</div>` : ''}${typeof d.response_body === 'string' && d.response_body !== '' ? html`<div class="muted mono">answer: ${d.response_body}</div>` : ''}` })
    } else {
      const heard = m.body !== null && m.body !== '' ? html`: “${m.body}”` : ''
      items.push({ at: m.dateCreated, order: order++, kind: 'call', body: html`<strong>${m.widget}</strong> (${m.kind}) ${m.to !== null ? html`to ${m.to}` : ''}${heard}` })
    }
  }
  // What callers pressed or said: the Digits and SpeechResult their gather widgets published.
  for (const s of v.steps) {
    if (s.name !== 'keypress' && s.name !== 'speech') continue
    const published = ((s.context.widgets ?? {}) as JsonObject)[s.transitionedFrom] as JsonObject | undefined
    const input = s.name === 'keypress' ? `pressed ${String(published?.Digits ?? '')}` : `said “${String(published?.SpeechResult ?? '')}”`
    items.push({ at: s.dateCreated, order: order++, kind: 'in', body: html`<strong>Caller</strong> ${input} at <em>${s.transitionedFrom}</em>` })
  }
  items.sort((a, b) => a.at - b.at || a.order - b.order)
  if (items.length === 0) return html`<p class="muted">Nothing sent or received yet.</p>`
  return html`<ol class="timeline">${items.map(i => html`<li class="${i.kind}">${time(i.at)} ${i.body}</li>`)}</ol>`
}

export function executionFragment (v: ExecutionView): Html {
  const e = v.execution
  return html`<div id="execution" data-live="executions" data-url="${ROOT}fragments/executions/${e.sid}">
<div class="panel">
<p>${statusBadge(e.status)} ${e.endedReason !== null ? html`<span class="muted">${e.endedReason}</span>` : ''}
 · flow <a href="${ROOT}flows/${e.accountSid}/${e.flowSid}">${v.flowName}</a> <span class="muted">revision ${e.flowRevision}</span>
 · contact <span class="mono">${e.contactChannelAddress}</span> · channel <span class="mono">${e.fromAddress}</span>
 · account <span class="mono">${e.accountSid}</span></p>
<p>Started ${time(e.dateCreated)}${e.status === 'ended' ? html` · ended ${time(e.dateUpdated)}` : ''}${e.status === 'active' && v.currentWidget !== null ? html` · at <strong>${v.currentWidget}</strong>${v.waitKind === 'reply' ? ', waiting for a reply' : v.waitKind === 'call' ? ', on the call' : ''}` : ''}</p>
${actions(v)}
</div>
<div class="grid">
<section aria-labelledby="steps-h"><h2 id="steps-h">Steps</h2>
${v.steps.length === 0 ? html`<p class="muted">No steps yet.</p>` : html`<ol class="timeline">${v.steps.map(s => html`<li><details id="step-${s.sid}"><summary>${time(s.dateCreated)} <strong>${s.name}</strong>: ${s.transitionedFrom} → ${s.transitionedTo} <span class="muted">(${s.type})</span></summary>${jsonTree(s.context, `stepctx-${s.sid}`, 1)}</details></li>`)}</ol>`}
<h2 id="conversation-h">Conversation</h2>
${conversation(v)}
${v.calls.length > 0 ? html`<h2>Calls</h2><table><thead><tr><th scope="col">Call</th><th scope="col">Direction</th><th scope="col">From → To</th><th scope="col">Status</th></tr></thead><tbody>${v.calls.map(c => html`<tr><td class="mono">${c.sid}</td><td>${c.direction}</td><td class="mono">${c.from} → ${c.to}</td><td>${c.status}${c.answeredBy !== null ? ` (${c.answeredBy})` : ''}</td></tr>`)}</tbody></table>` : ''}
</section>
<section aria-labelledby="graph-h"><h2 id="graph-h">Flow</h2>
<div class="graph">${raw(v.graph)}</div>
<h2 id="context-h">Execution Context</h2>
${jsonTree(v.context, 'ctx')}
</section>
</div>
</div>`
}

function actions (v: ExecutionView): Html {
  const e = v.execution
  if (e.status !== 'active') return html``
  const base = `${ROOT}actions/executions/${e.sid}`
  return html`<div class="actions">
${v.waitKind === 'reply'
? html`<form class="inline" hx-post="${base}/reply" hx-swap="none" data-done="Reply sent." hx-on::after-request="if (event.detail.successful) this.reset()">
<label>Reply as contact <input id="reply-body" name="body" aria-label="Reply as contact" required placeholder="Type the contact's reply"></label><button type="submit">Send</button></form>`
: ''}
${v.call !== undefined && (v.call.waitingFor === 'digits' || v.call.waitingFor === 'digits speech')
? html`<form class="inline" hx-post="${ROOT}actions/calls/${v.call.sid}/digits" hx-swap="none" data-done="Digits pressed." hx-on::after-request="if (event.detail.successful) this.reset()">
<label>Press digits <input id="press-digits" name="digits" aria-label="Press digits" required pattern="[0-9*#]+" inputmode="tel" placeholder="1"></label><button type="submit">Press</button></form>`
: ''}
${v.call !== undefined ? html`<form class="inline" hx-post="${ROOT}actions/calls/${v.call.sid}/hangup" hx-swap="none" data-done="Call hung up."><button type="submit" class="secondary">Hang up</button></form>` : ''}
<form class="inline" hx-post="${base}/end" hx-swap="none" data-done="Execution ended."><button type="submit" class="danger">End execution</button></form>
</div>`
}

export function executionPage (v: ExecutionView): Html {
  return layout({ title: `Execution ${v.execution.sid}`, active: '', body: executionFragment(v) })
}

// ---------------------------------------------------------------------------------------------------------------
// Flows

export function flowsFragment (flows: ReadonlyArray<FlowRecord & { webhookUrl: string }>, more: ReadonlyArray<{ account: string, count: number }>, shown: number): Html {
  return html`<section id="flows" data-live="flows" data-url="${ROOT}fragments/flows" aria-label="Flows">
<table>
<thead><tr><th scope="col">Flow</th><th scope="col">Account</th><th scope="col">Status</th><th scope="col">Revision</th><th scope="col">Webhook URL</th></tr></thead>
<tbody>
${flows.length === 0 ? html`<tr><td colspan="5" class="muted">No flows yet: create one with the v2 API or start with STUDIO_FLOWS_DIR.</td></tr>` : ''}
${flows.map(f => html`<tr data-flow="${f.sid}"><td><a href="${ROOT}flows/${f.accountSid}/${f.sid}">${f.friendlyName}</a><div class="muted mono">${f.sid}</div></td>
<td class="mono">${f.accountSid}</td><td>${f.status}${f.origin === 'auto' ? html` <span class="muted">(auto: definition unknown)</span>` : ''}</td><td>${f.revision}</td><td class="mono">${f.webhookUrl}</td></tr>`)}
</tbody>
</table>
${more.map(m => html`<p class="muted">Account <span class="mono">${m.account}</span> has ${m.count} more ${m.count === 1 ? 'flow' : 'flows'} than the newest ${shown} shown here (list them with GET /v2/Flows).</p>`)}
</section>`
}

export function flowsPage (list: Html): Html {
  return layout({ title: 'Flows', active: 'flows', body: list })
}

export function flowPage (p: { flow: FlowRecord, webhookUrl: string, graph: string, executions: Html }): Html {
  const f = p.flow
  const hidden = html`<input type="hidden" name="account" value="${f.accountSid}"><input type="hidden" name="flow" value="${f.sid}">`
  return layout({
    title: f.friendlyName,
    active: 'flows',
    body: html`<div class="panel"><p><span class="mono">${f.sid}</span> · account <span class="mono">${f.accountSid}</span> · ${f.status} · revision ${f.revision}</p>
<p>Webhook URL <span class="mono">${p.webhookUrl}</span></p></div>
<h2>Start this flow</h2>
<form class="inline" hx-post="${ROOT}actions/executions" hx-swap="none" data-done="Execution started over REST." aria-label="Start over REST">${hidden}
<label>To (contact) <input name="to" required placeholder="+15551234567"></label>
<label>From (flow's number) <input name="from" required placeholder="+15557654321"></label>
<label>Parameters (JSON) <input name="parameters" placeholder='{"name":"Zeke"}'></label>
<button type="submit">Start over REST</button></form>
<form class="inline" hx-post="${ROOT}actions/sms" hx-swap="none" data-done="SMS sent to the flow." aria-label="Start by SMS">${hidden}
<label>From (contact) <input name="from" required placeholder="+15551234567"></label>
<label>To (flow's number) <input name="to" required placeholder="+15557654321"></label>
<label>Body <input name="body" placeholder="hello"></label>
<button type="submit">Send SMS</button></form>
<form class="inline" hx-post="${ROOT}actions/calls" hx-swap="none" data-done="Call placed to the flow." aria-label="Start by call">${hidden}
<label>From (caller) <input name="from" required placeholder="+15551234567"></label>
<label>To (flow's number) <input name="to" required placeholder="+15557654321"></label>
<button type="submit">Call the flow</button></form>
<h2>Definition</h2>
<div class="graph">${raw(p.graph)}</div>
<h2>Executions</h2>
${p.executions}`
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Journal, events, rules, login

export function journalFragment (entries: readonly JournalEntry[], size: number): Html {
  return html`<section id="journal" data-live="journal" data-url="${ROOT}fragments/journal" aria-label="Request journal">
<p class="muted">The last ${size} requests to /v1 and /v2, newest first.</p>
<table><thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Body</th></tr></thead><tbody>
${entries.length === 0 ? html`<tr><td colspan="5" class="muted">No requests yet.</td></tr>` : ''}
${entries.map(r => html`<tr><td><time datetime="${r.time}">${r.time.replace('T', ' ')}</time></td><td>${r.method}</td><td class="mono">${r.path}</td>
<td>${r.status}${r.code !== null ? html` <span class="muted">(${r.code})</span>` : ''}</td>
<td>${r.form === null || Object.keys(r.form).length === 0 ? '' : html`<details id="req-${r.request_id}"><summary>${Object.keys(r.form).join(', ')}</summary><pre>${JSON.stringify(r.form, null, 2)}</pre></details>`}</td></tr>`)}
</tbody></table></section>`
}

export function eventsFragment (p: { sink: string | undefined, total: number, pending: number, events: readonly EventOutboxEntry[] }): Html {
  return html`<section id="events" data-live="executions events" data-url="${ROOT}fragments/events" aria-label="Event Streams outbox">
<p>${p.sink === undefined ? html`<span class="muted">STUDIO_EVENTS_URL is not set: no events are recorded.</span>` : html`Sink <span class="mono">${p.sink}</span>`} · ${p.total} events, ${p.pending} pending</p>
${p.pending > 0 ? html`<form class="inline" hx-post="${ROOT}actions/events/retry" hx-swap="none" data-done="Pending events retried."><button type="submit" class="secondary">Retry pending now</button></form>` : ''}
<table><thead><tr><th scope="col">Created</th><th scope="col">Type</th><th scope="col">Execution</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last error</th></tr></thead><tbody>
${p.events.map(e => html`<tr><td>${time(e.createdAt)}</td><td class="mono">${e.type}</td><td class="mono">${e.executionSid === null ? '' : html`<a href="${ROOT}executions/${e.executionSid}">${e.executionSid}</a>`}</td>
<td>${e.status}</td><td>${e.attempts}</td><td>${e.lastError ?? ''}</td></tr>`)}
</tbody></table></section>`
}

export function rulesFragment (faults: readonly FaultRule[], choices: readonly WidgetChoice[]): Html {
  return html`<section id="rules" data-live="rules" data-url="${ROOT}fragments/rules">
<h2>Faults</h2>
<table><thead><tr><th scope="col">Rule</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Answer</th><th scope="col">Left</th></tr></thead><tbody>
${faults.length === 0 ? html`<tr><td colspan="5" class="muted">No fault rules.</td></tr>` : ''}
${faults.map(f => html`<tr><td class="mono">${f.id}</td><td>${f.method}</td><td class="mono">${f.path}</td><td>${f.drop ? 'drop' : f.status !== null ? `${f.status} ${f.code ?? ''} ${f.message ?? ''}` : ''}${f.latency_ms > 0 ? ` +${f.latency_ms} ms` : ''}</td><td>${f.remaining ?? '∞'}</td></tr>`)}
</tbody></table>
<form class="inline" hx-post="${ROOT}actions/faults" hx-swap="none" data-done="Fault rule added." aria-label="Add a fault rule">
<label>Method <input name="method" placeholder="POST" size="6"></label>
<label>Path <input name="path" required placeholder="/v2/Flows/*/Executions"></label>
<label>Status <input name="status" type="number" placeholder="503" min="100" max="599"></label>
<label>Message <input name="message" placeholder="Service unavailable"></label>
<label>Times <input name="times" type="number" min="1" placeholder="1"></label>
<button type="submit">Add fault</button></form>
<form class="inline" hx-post="${ROOT}actions/faults/clear" hx-swap="none" data-done="Fault rules cleared."><button type="submit" class="secondary">Clear faults</button></form>
<h2>Widget event choices</h2>
<table><thead><tr><th scope="col">Widget</th><th scope="col">Event</th><th scope="col">Flow</th><th scope="col">Publish</th><th scope="col">Left</th></tr></thead><tbody>
${choices.length === 0 ? html`<tr><td colspan="5" class="muted">No choices.</td></tr>` : ''}
${choices.map(c => html`<tr><td>${c.widget}</td><td>${c.event}</td><td class="mono">${c.flow_sid ?? 'any'}</td><td class="mono">${JSON.stringify(c.publish)}</td><td>${c.remaining ?? '∞'}</td></tr>`)}
</tbody></table>
<form class="inline" hx-post="${ROOT}actions/widget-events" hx-swap="none" data-done="Choice added." aria-label="Choose a widget's event">
<label>Widget <input name="widget" required placeholder="gather_1"></label>
<label>Event <input name="event" required placeholder="keypress"></label>
<label>Publish (JSON) <input name="publish" placeholder='{"Digits":"1"}'></label>
<label>Times <input name="times" type="number" min="1" placeholder="1"></label>
<button type="submit">Add choice</button></form>
<form class="inline" hx-post="${ROOT}actions/widget-events/clear" hx-swap="none" data-done="Choices cleared."><button type="submit" class="secondary">Clear choices</button></form>
</section>`
}

export function simplePage (title: string, active: string, body: Html): Html {
  return layout({ title, active, body })
}

export function loginPage (failed: boolean): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Studio Emulator</title><link rel="stylesheet" href="${ROOT}assets/ui.css"><link rel="icon" href="data:,"></head>
<body><main><h1>Studio Emulator</h1>
<p>This emulator is protected by <span class="mono">STUDIO_ADMIN_TOKEN</span>. Enter it to open the inspector (it is kept for this browser session).</p>
${failed ? html`<p role="alert" class="status bad">That token is not right.</p>` : ''}
<form method="post" action="${ROOT}login" class="inline">
<label>Admin token <input name="token" type="password" required autocomplete="current-password" autofocus></label>
<button type="submit">Sign in</button></form></main></body></html>`
}
