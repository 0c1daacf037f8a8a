// The inspector at /__emulator/ui/: pages, the regions htmx reloads, the actions its forms post, its assets and the
// change stream (Server-Sent Events through @fastify/sse). Behind STUDIO_ADMIN_TOKEN when it is set: a sign-in page
// takes the token and keeps it for the browser session (an HttpOnly, SameSite=Strict cookie). Actions take form
// posts, checked strictly (unknown fields, bad values: a 400 with Twilio's error body, as on the API), and call the
// same services as the API and the control API.
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import sseModule, { type SSEPluginOptions } from '@fastify/sse'
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Caller } from '../control/caller.js'
import type { ChangeFeed, ChangeTopic } from '../control/changes.js'
import type { FaultService } from '../control/faults.js'
import type { Journal } from '../control/journal.js'
import type { Store } from '../db/store.js'
import { chooseWidgetEvent, type WidgetChoices } from '../engine/choices.js'
import { redactUrl } from '../events/sink-url.js'
import type { ExecutionService } from '../studio/executions.js'
import type { InboundService } from '../studio/inbound.js'
import { adminTokenRequired, contactStateConflict, crossSiteRequest, executionAlreadyEnded, invalidParameter, missingParameter, resourceMissing } from '../twilio/errors.js'
import { isSid } from '../twilio/sid.js'
import type { ControllableClock } from '../clock.js'
import type { Config, ExecutionRecord, FlowRecord, JsonObject } from '../types.js'
import { baseUrlOf } from '../http/base-url.js'
import { crossSiteCheck } from '../http/cross-site.js'
import { formBodiesOnly } from '../http/twilio-api.js'
import { STYLESHEET, SCRIPT } from '../ui/assets.js'
import type { Html } from '../ui/html.js'
import {
  ROOT, clockFragment, eventsFragment, executionFragment, executionPage, executionsFragment, executionsPage, flowPage,
  flowsFragment, flowsPage, journalFragment, loginPage, rulesFragment, simplePage, type ExecutionFilters, type ExecutionView
} from '../ui/views.js'

export interface UiRoutesOptions {
  config: Config
  accountSids: readonly string[]
  store: Store
  journal: Journal
  faults: FaultService
  choices: WidgetChoices
  clock: ControllableClock
  engine: { tick: () => void }
  executions: ExecutionService
  inbound: InboundService
  caller: Caller
  changes: ChangeFeed
  seedFlows: () => void
  /** Makes every pending event due now and delivers them; returns how many. */
  retryEvents: () => number
}

/**
 * @fastify/sse is CommonJS: its module.exports (this default import) is the plugin wrapped with fastify-plugin, so
 * that `reply.sse` reaches these routes; its typings describe the module object instead.
 */
const sse = sseModule as unknown as FastifyPluginAsync<SSEPluginOptions>

const PAGE_SIZE = 50
/**
 * Bounds of the inspector's reads: a filtered executions page examines at most `scanRows` executions (then offers to
 * search older ones), and the Flows view shows each account's newest `flowsShown` flows. Tests lower them.
 */
export const inspectorLimits = { scanRows: 20_000, flowsShown: 1_000 }
const COOKIE = 'studio_emulator_ui'
const ALL_TOPICS: ChangeTopic[] = ['executions', 'journal', 'clock', 'rules', 'events', 'flows']

/** htmx, from its npm package, read once. */
let htmxScript: string | undefined
const htmx = (): string => {
  htmxScript ??= readFileSync(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'), 'utf8')
  return htmxScript
}

/** The flow graph (dagre) loads with the first page that draws one, not at startup. */
let graphModule: Promise<typeof import('../ui/graph.js')> | undefined
const graph = async () => await (graphModule ??= import('../ui/graph.js'))

const digest = (s: string) => createHash('sha256').update(s).digest()

type Form = Record<string, string>

/** A form post's fields: only `allowed` ones, each once (anything else is a 400 naming the field). */
function formOf (request: FastifyRequest, allowed: readonly string[]): Form {
  const body = request.body !== null && typeof request.body === 'object' ? request.body as Record<string, unknown> : {}
  const out: Form = {}
  for (const [k, v] of Object.entries(body)) {
    if (!allowed.includes(k)) throw invalidParameter(k, `is not a field of this form (it takes ${allowed.join(', ') || 'none'})`)
    if (Array.isArray(v)) throw invalidParameter(k, 'is given more than once')
    out[k] = String(v)
  }
  return out
}

const required = (form: Form, name: string): string => {
  const v = form[name]?.trim()
  if (v === undefined || v === '') throw missingParameter(name)
  return v
}
const optional = (form: Form, name: string): string | undefined => {
  const v = form[name]?.trim()
  return v === undefined || v === '' ? undefined : v
}

function numberField (form: Form, name: string, min: number, max: number, integer = false): number | undefined {
  const raw = optional(form, name)
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw invalidParameter(name, `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`)
  return n
}

export async function uiRoutes (app: FastifyInstance, opts: UiRoutesOptions): Promise<void> {
  const { store, config } = opts
  await formBodiesOnly(app)
  await app.register(sse, { heartbeatInterval: 15_000 })

  const accountOf = (sid: string | undefined): string => {
    if (sid === undefined || !opts.accountSids.includes(sid)) throw invalidParameter('account', 'must be one of the emulator\'s accounts')
    return sid
  }
  const flowSidOf = (sid: string | undefined): string => {
    if (sid === undefined || !isSid('FW', sid)) throw invalidParameter('flow', 'must be a Flow SID (FW followed by 32 hex digits)')
    return sid
  }
  const webhookUrl = (request: FastifyRequest, f: { accountSid: string, sid: string }) => `${baseUrlOf(request, config.publicUrl)}/v1/Accounts/${f.accountSid}/Flows/${f.sid}`
  const sendHtml = async (reply: FastifyReply, body: Html | string, status = 200) => await reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(typeof body === 'string' ? body : body.value)
  /** After an action: open pages hear that these changed. */
  const done = async (reply: FastifyReply, topics: ChangeTopic[], redirect?: string) => {
    opts.changes.changed(...topics)
    if (redirect !== undefined) reply.header('HX-Redirect', redirect)
    return await reply.code(204).send()
  }

  // ---- Sign-in (STUDIO_ADMIN_TOKEN) -----------------------------------------------------------------------------
  const token = config.adminToken
  const cookieValue = token === undefined ? undefined : createHash('sha256').update(`studio-emulator-ui\0${token}`).digest('hex')
  const signedIn = (request: FastifyRequest): boolean => {
    if (token === undefined || cookieValue === undefined) return true
    if (timingSafeEqual(digest(request.headers.authorization ?? ''), digest(`Bearer ${token}`))) return true
    const cookie = (request.headers.cookie ?? '').split(/;\s*/).find(c => c.startsWith(`${COOKIE}=`))?.slice(COOKIE.length + 1) ?? ''
    return timingSafeEqual(digest(cookie), digest(cookieValue))
  }
  // Forms post here from the page itself only: a post another site's page makes a browser send is refused before
  // anything else, token or not.
  const fromAnotherSite = crossSiteCheck(config.publicUrl)
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && fromAnotherSite(request)) {
      throw crossSiteRequest()
    }
    const path = request.url.split('?', 1)[0] ?? ''
    if (path === `${ROOT}login` || path.startsWith(`${ROOT}assets/`) || signedIn(request)) return
    // A person opening a page is sent to sign in; anything else gets the control API's 401.
    if (request.method === 'GET' && request.headers['hx-request'] === undefined && (request.headers.accept ?? '').includes('text/html')) {
      return await reply.redirect(`${ROOT}login`, 303)
    }
    reply.header('WWW-Authenticate', 'Bearer realm="Studio Emulator control API"')
    throw adminTokenRequired()
  })
  app.get('/login', async (_request, reply) => await sendHtml(reply, loginPage(false)))
  app.post('/login', async (request, reply) => {
    const form = formOf(request, ['token'])
    if (token === undefined || cookieValue === undefined) return await reply.redirect(ROOT, 303)
    if (!timingSafeEqual(digest(form.token ?? ''), digest(token))) return await sendHtml(reply, loginPage(true), 401)
    reply.header('set-cookie', `${COOKIE}=${cookieValue}; Path=${ROOT}; HttpOnly; SameSite=Strict`)
    return await reply.redirect(ROOT, 303)
  })

  // ---- Assets ----------------------------------------------------------------------------------------------------
  app.get('/assets/htmx.min.js', async (_request, reply) => await reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(htmx()))
  app.get('/assets/ui.js', async (_request, reply) => await reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT))
  app.get('/assets/ui.css', async (_request, reply) => await reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(STYLESHEET))

  // ---- Live: what changed, as Server-Sent Events ------------------------------------------------------------------
  // Open streams end when the server closes: a stream never finishes by itself, so SIGTERM would wait for it forever.
  const streams = new Set<{ close: () => void }>()
  app.addHook('preClose', (done) => {
    for (const stream of streams) stream.close()
    done()
  })
  app.get('/stream', { sse: 'only' }, async (_request, reply) => {
    streams.add(reply.sse)
    reply.sse.onClose(() => { streams.delete(reply.sse) })
    reply.sse.keepAlive()
    // A page that reconnects after missing changes, or to an emulator started since, reloads everything.
    const last = reply.sse.lastEventId
    if (typeof last === 'string' && last !== '' && opts.changes.missed(last)) await reply.sse.send({ id: opts.changes.current(), event: 'reload', data: { topics: ALL_TOPICS } })
    const unsubscribe = opts.changes.subscribe((c) => {
      if (reply.sse.isConnected) reply.sse.send({ id: c.id, event: 'change', data: { topics: c.topics } }).catch(() => {})
    })
    reply.sse.onClose(unsubscribe)
    // A dropped connection is tried again after a second (not the browser's default three).
    await reply.sse.send({ id: opts.changes.current(), event: 'hello', data: { topics: [] }, retry: 1000 })
  })

  // ---- Executions ---------------------------------------------------------------------------------------------------
  /** The newest flows of every account (for the flow filter and the Flows view), and how many more each account has. */
  const flowsOf = (): { flows: FlowRecord[], more: Array<{ account: string, count: number }> } => {
    const flows: FlowRecord[] = []
    const more: Array<{ account: string, count: number }> = []
    for (const account of opts.accountSids) {
      const page = store.listFlows(account, { pageSize: inspectorLimits.flowsShown })
      flows.push(...page.items)
      if (page.hasMore) more.push({ account, count: store.countFlowsOf(account) - page.items.length })
    }
    return { flows, more }
  }
  /** The names of the flows these executions ran. */
  const flowNames = (rows: readonly ExecutionRecord[]): Map<string, string> => {
    const names = new Map<string, string>()
    for (const e of rows) {
      const key = `${e.accountSid}/${e.flowSid}`
      if (!names.has(key)) names.set(key, store.findFlow(e.accountSid, e.flowSid)?.friendlyName ?? e.flowSid)
    }
    return names
  }

  const FILTERS = ['account', 'flow', 'status', 'contact', 'before']
  function filtersOf (q: Record<string, unknown>): ExecutionFilters {
    const unknown = Object.keys(q).find(k => !FILTERS.includes(k))
    if (unknown !== undefined) throw invalidParameter(unknown, 'is not a filter (account, flow, status, contact)')
    const repeated = Object.keys(q).find(k => Array.isArray(q[k]))
    if (repeated !== undefined) throw invalidParameter(repeated, 'is given more than once')
    const text = (k: string) => typeof q[k] === 'string' && q[k] !== '' ? q[k] : undefined
    const f: ExecutionFilters = { account: text('account'), flow: text('flow'), status: text('status'), contact: text('contact'), before: text('before') }
    if (f.account !== undefined) accountOf(f.account)
    if (f.flow !== undefined) flowSidOf(f.flow)
    if (f.status !== undefined && f.status !== 'active' && f.status !== 'ended') throw invalidParameter('status', 'must be active or ended')
    if (f.before !== undefined && !/^\d{1,16}\.\d{1,16}$/.test(f.before)) throw invalidParameter('before', 'must be a page cursor from an "Older executions" or "Search older" link')
    return f
  }

  function executionsList (f: ExecutionFilters): Html {
    let flowId: number | undefined
    if (f.flow !== undefined) {
      flowId = store.flowIdOf(f.flow, f.account)
      // A flow no account has: nothing to list.
      if (flowId === undefined) return executionsFragment([], new Map(), f, {})
    }
    const [date, id] = f.before === undefined ? [] : f.before.split('.').map(Number)
    const { rows, scannedTo } = store.listAllExecutions({
      accountSid: f.account,
      flowId,
      status: f.status as 'active' | 'ended' | undefined,
      contact: f.contact,
      before: date === undefined || id === undefined ? undefined : { date, id },
      limit: PAGE_SIZE + 1,
      scan: inspectorLimits.scanRows
    })
    const page = rows.slice(0, PAGE_SIZE)
    const last = page.at(-1)
    if (rows.length > PAGE_SIZE && last !== undefined) return executionsFragment(page, flowNames(page), f, { next: `${last.dateCreated}.${last.id}` })
    // A page the bounded scan left short: older executions were not examined yet.
    const searchOlder = scannedTo === undefined ? undefined : { from: `${scannedTo.date}.${scannedTo.id}`, scanned: inspectorLimits.scanRows }
    return executionsFragment(page, flowNames(page), f, { searchOlder })
  }

  // The executions view is made of the database and the query only: kept while the database is unchanged.
  app.get<{ Querystring: Record<string, unknown> }>('/', async (request, reply) => {
    const page = store.cachedRead(`ui ${request.url}`, () => {
      const f = filtersOf(request.query)
      return executionsPage(f, flowsOf().flows, opts.accountSids, executionsList(f)).value
    })
    return await sendHtml(reply, page)
  })
  app.get<{ Querystring: Record<string, unknown> }>('/fragments/executions', async (request, reply) => {
    return await sendHtml(reply, store.cachedRead(`ui ${request.url}`, () => executionsList(filtersOf(request.query)).value))
  })

  /** One execution's page or fragment: made of the database only, so kept while the database is unchanged. */
  async function executionHtml (url: string, sid: string, render: (v: ExecutionView) => Html): Promise<string> {
    const drawing = await graph()
    return store.cachedRead(`ui ${url}`, () => render(executionView(sid, drawing)).value)
  }

  function executionView (sid: string, { flowGraphSvg, passedWidgets }: Awaited<ReturnType<typeof graph>>): ExecutionView {
    if (!isSid('FN', sid)) throw resourceMissing()
    const e = store.findExecution(sid)
    if (e === undefined) throw resourceMissing()
    const flow = store.findFlow(e.accountSid, e.flowSid)
    const definition = store.getRevision(e.accountSid, e.flowSid, e.flowRevision)?.definition ?? {}
    const steps = store.stepsWithContext(sid)
    const state = store.getEngineExecution(e.accountSid, sid)
    const calls = store.listCalls(e.accountSid, { executionSid: sid, limit: 100 })
    const live = calls.find(c => c.status === 'queued' || c.status === 'ringing' || c.status === 'in-progress')
    return {
      execution: e,
      flowName: flow?.friendlyName ?? e.flowSid,
      steps,
      context: store.getExecutionContext(e.accountSid, e.flowSid, sid)?.context ?? {},
      outbox: store.listMessages(e.accountSid, { executionSid: sid, limit: 1000 }),
      inbound: store.inboundMessagesOf(sid),
      calls,
      waitKind: e.status === 'active' ? state?.waitKind ?? null : null,
      currentWidget: e.status === 'active' ? state?.currentWidget ?? null : null,
      call: live === undefined || e.status !== 'active' ? undefined : { sid: live.sid, waitingFor: opts.caller.get(live.sid).waitingFor },
      graph: flowGraphSvg(definition, { passed: passedWidgets(steps), current: e.status === 'active' ? state?.currentWidget ?? null : null, title: `Flow ${flow?.friendlyName ?? e.flowSid}` })
    }
  }
  app.get<{ Params: { sid: string } }>('/executions/:sid', async (request, reply) => await sendHtml(reply, await executionHtml(request.url, request.params.sid, executionPage)))
  app.get<{ Params: { sid: string } }>('/fragments/executions/:sid', async (request, reply) => await sendHtml(reply, await executionHtml(request.url, request.params.sid, executionFragment)))

  // ---- Flows ----------------------------------------------------------------------------------------------------------
  const flowsList = (request: FastifyRequest) => {
    const { flows, more } = flowsOf()
    return flowsFragment(flows.map(f => ({ ...f, webhookUrl: webhookUrl(request, f) })), more, inspectorLimits.flowsShown)
  }
  app.get('/flows', async (request, reply) => await sendHtml(reply, flowsPage(flowsList(request))))
  app.get('/fragments/flows', async (request, reply) => await sendHtml(reply, flowsList(request)))
  app.get<{ Params: { account: string, sid: string } }>('/flows/:account/:sid', async (request, reply) => {
    const { account, sid } = request.params
    const flow = opts.accountSids.includes(account) && isSid('FW', sid) ? store.findFlow(account, sid) : undefined
    if (flow === undefined) throw resourceMissing()
    const definition = store.getRevision(account, sid, 'LatestRevision')?.definition ?? {}
    const { flowGraphSvg } = await graph()
    const filters: ExecutionFilters = { account, flow: sid }
    return await sendHtml(reply, flowPage({ flow, webhookUrl: webhookUrl(request, flow), graph: flowGraphSvg(definition, { title: `Flow ${flow.friendlyName}` }), executions: executionsList(filters) }))
  })

  // ---- Clock, journal, events, rules ---------------------------------------------------------------------------------
  app.get('/fragments/clock', async (_request, reply) => {
    const st = opts.clock.state()
    return await sendHtml(reply, clockFragment({ now: st.now, frozen: st.frozen, offsetMs: st.offset_ms }))
  })
  const journalList = () => journalFragment(opts.journal.list({ limit: 200 }), opts.journal.size)
  app.get('/journal', async (_request, reply) => await sendHtml(reply, simplePage('Request journal', 'journal', journalList())))
  app.get('/fragments/journal', async (_request, reply) => await sendHtml(reply, journalList()))
  const eventsList = () => eventsFragment({ sink: config.eventsUrl === undefined ? undefined : redactUrl(config.eventsUrl), ...store.eventCounts(), events: store.listEvents({ pendingOnly: false, limit: 200 }) })
  app.get('/events', async (_request, reply) => await sendHtml(reply, simplePage('Event Streams', 'events', eventsList())))
  app.get('/fragments/events', async (_request, reply) => await sendHtml(reply, eventsList()))
  const rulesList = () => rulesFragment(opts.faults.list(), opts.choices.list())
  app.get('/rules', async (_request, reply) => await sendHtml(reply, simplePage('Faults & widget choices', 'rules', rulesList())))
  app.get('/fragments/rules', async (_request, reply) => await sendHtml(reply, rulesList()))

  // ---- Actions --------------------------------------------------------------------------------------------------------
  app.post('/actions/clock', async (request, reply) => {
    const form = formOf(request, ['advance_ms', 'advance_minutes'])
    if (form.advance_ms !== undefined && form.advance_minutes !== undefined) throw invalidParameter('advance_minutes', 'cannot be given with advance_ms (give one of them)')
    const ms = numberField(form, 'advance_ms', 0, 10 * 365 * 86_400_000) ?? (numberField(form, 'advance_minutes', 0, 10 * 365 * 1440) ?? NaN) * 60_000
    if (!Number.isFinite(ms)) throw missingParameter('advance_minutes')
    const st = opts.clock.state()
    if (st.now + ms >= 253_402_300_800_000) throw invalidParameter('advance_ms', 'would move the clock past the year 9999')
    opts.clock.advance(ms)
    opts.engine.tick()
    return await done(reply, ['clock', 'executions'])
  })

  app.post('/actions/reset', async (request, reply) => {
    formOf(request, [])
    store.deleteAllData()
    opts.seedFlows()
    return await done(reply, ALL_TOPICS)
  })

  app.post('/actions/executions', async (request, reply) => {
    const form = formOf(request, ['account', 'flow', 'to', 'from', 'parameters'])
    const accountSid = accountOf(form.account)
    const { execution } = await opts.executions.start({ accountSid, principalSid: accountSid }, flowSidOf(form.flow), {
      to: required(form, 'to'), from: required(form, 'from'), parameters: optional(form, 'parameters'), initiatedBy: request.id
    }, 'conflict')
    return await done(reply, ['executions'], `${ROOT}executions/${execution.sid}`)
  })

  const executionOf = (sid: string): ExecutionRecord => {
    const e = isSid('FN', sid) ? store.findExecution(sid) : undefined
    if (e === undefined) throw resourceMissing()
    return e
  }
  app.post<{ Params: { sid: string } }>('/actions/executions/:sid/end', async (request, reply) => {
    formOf(request, [])
    const e = executionOf(request.params.sid)
    opts.executions.setStatus({ accountSid: e.accountSid, principalSid: e.accountSid }, e.flowSid, e.sid, 'ended')
    return await done(reply, ['executions'])
  })

  /**
   * The contact's reply, as Twilio would post it: an SMS to the execution's channel, or a message in its conversation.
   * Only to an execution waiting for one: anything else would start a new execution or be dropped (409, nothing sent).
   */
  app.post<{ Params: { sid: string } }>('/actions/executions/:sid/reply', async (request, reply) => {
    const form = formOf(request, ['body'])
    const e = executionOf(request.params.sid)
    if (e.status !== 'active') throw executionAlreadyEnded(e.sid)
    const state = store.getEngineExecution(e.accountSid, e.sid)
    if (state?.waitKind !== 'reply') throw contactStateConflict(`Execution ${e.sid} is not waiting for a reply (it is at ${state?.currentWidget ?? 'no widget'}, waiting for: ${state?.waitKind ?? 'nothing'})`)
    const body = form.body ?? ''
    const trigger = (store.getExecutionContext(e.accountSid, e.flowSid, e.sid)?.context.trigger ?? {}) as JsonObject
    const result = trigger.conversation !== undefined
      ? opts.inbound.receiveConversationMessage(e.accountSid, e.flowSid, { EventType: 'onMessageAdded', ConversationSid: e.fromAddress, Author: e.contactChannelAddress, Body: body, Source: 'SDK' })
      : opts.inbound.receiveMessage(e.accountSid, e.flowSid, { From: e.contactChannelAddress, To: e.fromAddress, Body: body })
    await result.settled
    return await done(reply, ['executions'])
  })

  app.post('/actions/sms', async (request, reply) => {
    const form = formOf(request, ['account', 'flow', 'from', 'to', 'body'])
    const accountSid = accountOf(form.account)
    const flowSid = flowSidOf(form.flow)
    // As the call form answers: the flow is a field of this form, not this action's path.
    if (store.findFlow(accountSid, flowSid) === undefined) throw invalidParameter('flow_sid', `account ${accountSid} has no flow ${flowSid}`)
    const result = opts.inbound.receiveMessage(accountSid, flowSid, { From: required(form, 'from'), To: required(form, 'to'), Body: form.body ?? '' })
    await result.settled
    return await done(reply, ['executions'], result.executionSid === null ? undefined : `${ROOT}executions/${result.executionSid}`)
  })

  app.post('/actions/calls', async (request, reply) => {
    const form = formOf(request, ['account', 'flow', 'from', 'to'])
    const state = await opts.caller.start({ accountSid: accountOf(form.account), flowSid: flowSidOf(form.flow), from: required(form, 'from'), to: required(form, 'to') })
    return await done(reply, ['executions'], `${ROOT}executions/${state.call.executionSid}`)
  })

  const callSidOf = (sid: string): string => {
    if (!isSid('CA', sid)) throw invalidParameter('CallSid', 'must be a Call SID (CA followed by 32 hex digits)')
    return sid
  }
  app.post<{ Params: { sid: string } }>('/actions/calls/:sid/digits', async (request, reply) => {
    const form = formOf(request, ['digits'])
    const digits = required(form, 'digits')
    if (!/^[0-9*#]+$/.test(digits)) throw invalidParameter('digits', 'must be keypad digits: 0-9, * and #')
    await opts.caller.input(callSidOf(request.params.sid), { digits })
    return await done(reply, ['executions'])
  })
  app.post<{ Params: { sid: string } }>('/actions/calls/:sid/hangup', async (request, reply) => {
    formOf(request, [])
    await opts.caller.hangup(callSidOf(request.params.sid))
    return await done(reply, ['executions'])
  })

  app.post('/actions/events/retry', async (request, reply) => {
    formOf(request, [])
    opts.retryEvents()
    return await done(reply, ['events'])
  })

  app.post('/actions/faults', async (request, reply) => {
    const form = formOf(request, ['method', 'path', 'status', 'code', 'message', 'latency_ms', 'times'])
    opts.faults.add({
      method: optional(form, 'method'),
      path: required(form, 'path'),
      status: numberField(form, 'status', 100, 599, true) ?? null,
      code: numberField(form, 'code', 0, 99_999, true) ?? null,
      message: optional(form, 'message') ?? null,
      latency_ms: numberField(form, 'latency_ms', 0, 600_000) ?? null,
      times: numberField(form, 'times', 1, 1_000_000, true) ?? null
    })
    return await done(reply, ['rules'])
  })
  app.post('/actions/faults/clear', async (request, reply) => {
    formOf(request, [])
    opts.faults.clear()
    return await done(reply, ['rules'])
  })

  app.post('/actions/widget-events', async (request, reply) => {
    const form = formOf(request, ['widget', 'event', 'flow_sid', 'publish', 'times'])
    let publish: JsonObject | undefined
    const publishText = optional(form, 'publish')
    if (publishText !== undefined) {
      let parsed: unknown
      try { parsed = JSON.parse(publishText) } catch { parsed = undefined }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter('publish', 'must be a JSON object, e.g. {"Digits":"1"}')
      publish = parsed as JsonObject
    }
    chooseWidgetEvent(opts.choices, store.widgetsNamed, {
      widget: required(form, 'widget'), event: required(form, 'event'), flow_sid: optional(form, 'flow_sid'), publish, times: numberField(form, 'times', 1, 1_000_000, true)
    })
    return await done(reply, ['rules'])
  })
  app.post('/actions/widget-events/clear', async (request, reply) => {
    formOf(request, [])
    opts.choices.clear()
    return await done(reply, ['rules'])
  })
}
