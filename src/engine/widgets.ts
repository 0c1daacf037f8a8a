// What each Studio widget does when it runs: the event it takes, what it publishes under widgets.<name>, what it
// sends (recorded in the widget outbox), and when it waits. Sources per widget in src/engine/README.md.
import type { JsonObject } from '../types.js'
import { WIDGET_TYPES } from '../studio/widget-types.js'
import { HttpFailure, type HttpRequest, type HttpResponse } from './http.js'
import { StudioTemplateError } from './liquid.js'
import { evaluateCondition } from './split.js'
import { VOICE_WIDGETS, runVoiceWidget } from './voice.js'
import { chosenFor, props, text, type CallReport, type Outcome, type Widget, type WidgetEnv } from './widget-env.js'

export type { Outcome, OutboxEntry, WidgetEnv } from './widget-env.js'

/**
 * What a chosen HTTP result publishes: the choice's `publish` as given; a `body` there is published as a response's
 * would be, as text in `body` and, when it is (or encodes) a JSON object, as an object in `parsed`.
 */
function chosenResponse (publish: JsonObject): JsonObject {
  const published: JsonObject = { ...publish }
  const body = publish.body
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    published.body = JSON.stringify(body)
    published.parsed = body
  } else if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body)
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) published.parsed = parsed
    } catch {}
  } else if (Array.isArray(body)) {
    published.body = JSON.stringify(body)
  }
  return published
}

/** key/value lists (`parameters`, `variables`) rendered with Liquid. */
function renderPairs (env: WidgetEnv, list: unknown): Array<[string, string]> {
  if (!Array.isArray(list)) return []
  return list.filter((p): p is JsonObject => typeof p === 'object' && p !== null)
    .map(p => [text(p.key), env.render(p.value)] as [string, string])
    .filter(([k]) => k !== '')
}

/** A message widget's outbound message: Liquid body, `to`/`from` defaulting to the contact and the flow channel. */
function outboundMessage (env: WidgetEnv): { to: string, from: string, body: string, mediaUrl: string | null, detail: JsonObject } {
  const p = props(env)
  const to = env.render(p.to ?? '{{contact.channel.address}}') || env.render('{{contact.channel.address}}')
  const from = env.render(p.from ?? '{{flow.channel.address}}') || env.render('{{flow.channel.address}}')
  const body = env.render(p.body ?? '')
  const mediaUrl = p.media_url === undefined || p.media_url === '' ? null : env.render(p.media_url)
  return { to, from, body, mediaUrl, detail: { service: env.renderValue(p.service ?? null), channel: env.renderValue(p.channel ?? null), media_url: mediaUrl, attributes: env.renderValue(p.attributes ?? null) } }
}

function sendMessage (env: WidgetEnv): { published: JsonObject } | { failed: string } {
  let m
  try {
    m = outboundMessage(env)
  } catch (err) {
    if (err instanceof StudioTemplateError) return { failed: err.message }
    throw err
  }
  if (m.to === '' || m.from === '' || (m.body === '' && m.mediaUrl === null)) return { failed: 'a message needs To, From, and a Body or media URL' }
  const conversationSid = conversationOf(env)
  if (conversationSid !== undefined) {
    // In a Conversations execution Studio adds the message to the conversation (an IM… Conversation Message).
    const sid = env.send({ kind: 'message', to: m.to, from: m.from, body: m.body, detail: { ...m.detail, conversation_sid: conversationSid }, prefix: 'IM' })
    return { published: { outbound: { Body: m.body, From: m.from, Sid: sid, Status: 'sent', To: m.to, ConversationSid: conversationSid } } }
  }
  const sid = env.send({ kind: 'message', to: m.to, from: m.from, body: m.body, detail: m.detail, prefix: 'SM' })
  // Studio publishes the message as its API created it: widgets.NAME.outbound.{Body,From,Sid,Status,To}.
  return { published: { outbound: { Body: m.body, From: m.from, Sid: sid, Status: 'queued', To: m.to } } }
}

/** The conversation an incomingConversationMessage execution runs in (trigger.conversation.ConversationSid). */
function conversationOf (env: WidgetEnv): string | undefined {
  const trigger = env.context.trigger
  const conversation = trigger !== null && typeof trigger === 'object' && !Array.isArray(trigger) ? (trigger as JsonObject).conversation : undefined
  const sid = conversation !== null && typeof conversation === 'object' && !Array.isArray(conversation) ? (conversation as JsonObject).ConversationSid : undefined
  return typeof sid === 'string' && sid !== '' ? sid : undefined
}

/** Studio's send-and-wait timeout: a string of seconds, default 3600 (one hour). */
function replyTimeoutMs (env: WidgetEnv): number {
  const seconds = Number(text(props(env).timeout) || '3600')
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 3600) * 1000
}

function splitBasedOn (env: WidgetEnv): Outcome {
  const p = props(env)
  const input = env.render(p.input ?? '')
  const transitions = Array.isArray(env.widget.transitions) ? env.widget.transitions as JsonObject[] : []
  for (const t of transitions) {
    if (t.event !== 'match' || !Array.isArray(t.conditions)) continue
    const conditions = t.conditions as JsonObject[]
    // Every condition of a transition must hold; the first transition that matches wins.
    const matches = conditions.length > 0 && conditions.every(c => {
      const args = Array.isArray(c.arguments) ? c.arguments : []
      const tested = args.length > 0 ? env.render(args[0]) : input
      return evaluateCondition(text(c.type), tested, env.render(c.value ?? ''), { now: env.now })
    })
    // Several transitions share the event name "match": the one that matched decides where to go.
    if (matches) return { event: 'match', transition: t }
  }
  return { event: 'noMatch' }
}

/**
 * Set Variables: each `{key, value}` is rendered with Liquid into flow.variables.<key>. A value that renders
 * to a JSON number is stored as a number; with `type: "json"` (Studio's parse-as-JSON option) the rendered
 * text is parsed as JSON when it can be.
 */
function setVariables (env: WidgetEnv): Outcome {
  const variables: JsonObject = {}
  const list = props(env).variables
  if (Array.isArray(list)) {
    for (const item of list as JsonObject[]) {
      const key = text(item?.key)
      if (key === '') continue
      const rendered = env.render(item.value ?? '')
      variables[key] = coerceVariable(rendered, item.type === 'json' || item.parse_as_json === true)
    }
  }
  return { event: 'next', variables }
}

export function coerceVariable (rendered: string, parseJson: boolean): unknown {
  const trimmed = rendered.trim()
  if (parseJson) {
    try {
      return JSON.parse(trimmed)
    } catch {
      return rendered
    }
  }
  return /^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(trimmed) ? Number(trimmed) : rendered
}

/** make-http-request and run-function: a real request; 2xx → success, anything else (or no answer) → failed. */
async function httpWidget (env: WidgetEnv, successEvent: string, failEvent: string, defaults: { method: string, contentType: string, url: string }): Promise<Outcome> {
  // A test's chosen result: taken without a request (and so nothing in the outbox).
  const chosen = chosenFor(env)
  if (chosen !== undefined) return { event: chosen.event, publish: chosenResponse(chosen.publish) }
  const p = props(env)
  let req: HttpRequest
  try {
    const method = text(p.method || defaults.method).toUpperCase()
    const url = env.render(p.url ?? defaults.url)
    const contentType = text(p.content_type || defaults.contentType)
    const params = renderPairs(env, p.parameters)
    const headers: Record<string, string> = { 'user-agent': 'TwilioProxy/1.1 (Studio Emulator)', 'i-twilio-idempotency-token': crypto.randomUUID() }
    let body: string | undefined
    let target = url
    if (method === 'GET' || method === 'DELETE') {
      if (params.length > 0) target = url + (url.includes('?') ? '&' : '?') + new URLSearchParams(params).toString()
    } else if (contentType.startsWith('application/json')) {
      headers['content-type'] = contentType
      body = env.render(p.body ?? '')
    } else {
      headers['content-type'] = contentType
      body = p.body !== undefined && params.length === 0 ? env.render(p.body) : new URLSearchParams(params).toString()
    }
    const parsedUrl = new URL(target)
    // "Authenticate with Twilio" only works towards Twilio: elsewhere Studio takes Fail without a request.
    if (p.add_twilio_auth === true && !/(^|\.)twilio\.com$/i.test(parsedUrl.hostname)) {
      return { event: failEvent, publish: { error: 'add_twilio_auth is only allowed for twilio.com URLs' } }
    }
    // Credentials in the URL (https://user:pass@host) become Basic auth, as Studio documents.
    if (parsedUrl.username !== '' || parsedUrl.password !== '') {
      headers.authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(parsedUrl.username)}:${decodeURIComponent(parsedUrl.password)}`).toString('base64')
      parsedUrl.username = ''
      parsedUrl.password = ''
      target = parsedUrl.toString()
    }
    req = { method, url: target, headers, body }
  } catch (err) {
    if (err instanceof StudioTemplateError || err instanceof TypeError) return { event: failEvent, publish: { error: (err as Error).message } }
    throw err
  }
  let res: HttpResponse
  try {
    res = await env.http(req)
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err
    // No response (refused, reset, timed out, over 64 kB): Studio documents only what a response sets, so nothing is
    // published (an earlier run's variables stay); the reason goes to the outbox record, not the Context.
    env.send({ kind: 'http', to: req.url, body: req.body ?? null, detail: { method: req.method, status_code: null, error: err.message } })
    return { event: failEvent, publish: {} }
  }
  const published: JsonObject = { status_code: res.status, content_type: res.contentType, body: res.body, headers: res.headers }
  if (/json/i.test(res.contentType)) {
    try {
      const parsed: unknown = JSON.parse(res.body)
      // Studio parses JSON objects only (an array body is left in `body`).
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) published.parsed = mergedParsed(env, parsed as JsonObject)
    } catch {}
  }
  // The answer is kept with the request (its first 2,000 characters) for the inspector's conversation view.
  const answer = res.body.length > 2000 ? `${res.body.slice(0, 2000)}…` : res.body
  env.send({ kind: 'http', to: req.url, body: req.body ?? null, detail: { method: req.method, status_code: res.status, response_body: answer } })
  return { event: res.status >= 200 && res.status < 300 ? successEvent : failEvent, publish: published }
}

/**
 * A widget that runs again in the same execution (a loop) merges the new `parsed` over the one its earlier run
 * published: top-level keys the new response lacks are kept, the others replaced (nested objects are not merged).
 */
function mergedParsed (env: WidgetEnv, parsed: JsonObject): JsonObject {
  const widgets = env.context.widgets
  const previous = widgets !== null && typeof widgets === 'object' && !Array.isArray(widgets) ? (widgets as JsonObject)[env.name] : undefined
  const before = previous !== null && typeof previous === 'object' && !Array.isArray(previous) ? (previous as JsonObject).parsed : undefined
  return before !== null && typeof before === 'object' && !Array.isArray(before) ? { ...(before as JsonObject), ...parsed } : parsed
}

/** Telephony and Flex widgets: nothing real happens; the action is recorded and a chosen or default event taken. */
function recordedWidget (kind: string): Widget {
  return (env) => {
    const p = env.renderValue(props(env))
    const to = kind === 'call' ? text(p.to) || env.render('{{contact.channel.address}}') : null
    env.send({ kind, to, from: kind === 'call' ? text(p.from) || env.render('{{flow.channel.address}}') : null, body: text(p.say ?? p.message ?? '') || null, detail: p })
    const chosen = chosenFor(env)
    const fallback = WIDGET_TYPES[env.type]?.defaultEvent ?? { event: firstEvent(env.widget) ?? 'next' }
    return { event: chosen?.event ?? fallback.event, publish: chosen?.publish ?? fallback.publish ?? {} }
  }
}

function firstEvent (widget: JsonObject): string | undefined {
  const transitions = Array.isArray(widget.transitions) ? widget.transitions as JsonObject[] : []
  return typeof transitions[0]?.event === 'string' ? transitions[0].event : undefined
}

/** The widgets that run here as they do in Studio. */
const NATIVE: Readonly<Record<string, Widget>> = {
  // A chosen `failed` sends nothing (the outbox stays empty) and publishes the choice; a chosen `sent` sends as usual,
  // the choice's publish merged over what the message publishes.
  'send-message': (env) => {
    const chosen = chosenFor(env)
    if (chosen?.event === 'failed') return { event: 'failed', publish: chosen.publish }
    const r = sendMessage(env)
    return 'failed' in r ? { event: 'failed', publish: { error: r.failed } } : { event: 'sent', publish: { ...r.published, ...chosen?.publish } }
  },
  // Only `deliveryFailure` can be chosen (a reply comes through the flow webhook, a timeout with the clock): nothing
  // is sent, nothing waited for.
  'send-and-wait-for-reply': (env) => {
    const chosen = chosenFor(env)
    if (chosen?.event === 'deliveryFailure' && chosen.after_ms === null) return { event: 'deliveryFailure', publish: chosen.publish }
    const r = sendMessage(env)
    if ('failed' in r) return { event: 'deliveryFailure', publish: { error: r.failed } }
    const timeoutAt = env.now + replyTimeoutMs(env)
    // A delivery failure scheduled by a test arrives while the widget waits, unless the timeout comes first.
    if (chosen?.event === 'deliveryFailure' && chosen.after_ms !== null && env.now + chosen.after_ms < timeoutAt) {
      return { wait: 'reply', until: env.now + chosen.after_ms, untilEvent: 'deliveryFailure', publish: { ...r.published, ...chosen.publish } }
    }
    return { wait: 'reply', until: timeoutAt, publish: r.published }
  },
  'split-based-on': splitBasedOn,
  'set-variables': setVariables,
  'make-http-request': (env) => httpWidget(env, 'success', 'failed', { method: 'GET', contentType: 'application/x-www-form-urlencoded;charset=utf-8', url: '' }),
  'run-function': (env) => httpWidget(env, 'success', 'fail', { method: 'POST', contentType: 'application/x-www-form-urlencoded;charset=utf-8', url: '' }),
  'run-function-v2': (env) => httpWidget(env, 'success', 'fail', { method: 'POST', contentType: 'application/x-www-form-urlencoded;charset=utf-8', url: '' }),
  'run-subflow': (env) => {
    const p = props(env)
    const parameters = Object.fromEntries(renderPairs(env, p.parameters))
    const started = env.startSubflow(text(p.flow_sid), text(p.flow_revision || 'LatestPublished'), parameters)
    if ('error' in started) return { event: 'failed', publish: { error: started.error } }
    return { wait: 'subflow' }
  }
}

/**
 * Every widget type the engine runs (all but the Trigger, whose event comes from what started the execution): the
 * native ones, and the others recorded (studio/widget-types.ts says what each records and its default event).
 */
/** A type the validator does not know (a test user's invalid draft may run): recorded, taking its first event. */
export const OTHER_WIDGET: Widget = recordedWidget('other')

export const WIDGETS: Readonly<Record<string, Widget>> = Object.fromEntries(
  Object.entries(WIDGET_TYPES)
    .filter(([type]) => type !== 'trigger')
    .map(([type, t]) => {
      const recorded = t.records === undefined ? OTHER_WIDGET : recordedWidget(t.records)
      const voice = Object.hasOwn(VOICE_WIDGETS, type) ? VOICE_WIDGETS[type] : undefined
      // A voice widget follows the execution's call; without one it is recorded.
      const widget: Widget = voice === undefined ? NATIVE[type] ?? recorded : (env) => runVoiceWidget(env, voice) ?? recorded(env)
      return [type, widget]
    })
)

/** What a voice widget waiting on the call takes from the call's report; undefined when the report is not for it. */
export function resumeWidget (env: WidgetEnv, report: CallReport): Outcome | undefined {
  return Object.hasOwn(VOICE_WIDGETS, env.type) ? VOICE_WIDGETS[env.type]?.resume(env, report) : undefined
}
