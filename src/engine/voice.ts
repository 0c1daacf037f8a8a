// The voice widgets on a call: each answers the call with TwiML (rendered Liquid in every attribute and text) and
// waits; the call follows it and reports back at the flow's webhook (`?FlowEvent=…`), which resumes the widget with
// what Twilio posted (Digits, SpeechResult, DialCallStatus, RecordingUrl, QueueResult, Result, …). URLs back to
// Studio are written relative (`?FlowEvent=audioComplete&FlowStep=7`) and made absolute on the emulator's base URL
// when the webhook answers. Sources per widget: docs/fidelity.md, "Voice widgets on a call".
// An execution without a call (REST or message triggered, before any make-outgoing-call) records these widgets in the
// outbox and takes their default event, as before (widgets.ts recordedWidget).
import type { TwimlVerb } from '../twilio/twiml.js'
import type { JsonObject } from '../types.js'
import { chosenFor, leadsSomewhere, props, text, type CallReport, type Outcome, type WidgetEnv } from './widget-env.js'

/** A voice widget: what it answers the call with, and which event a report from the call takes. */
export interface VoiceWidget {
  run: (env: WidgetEnv) => Outcome
  /** The outcome of a report from the call; undefined when the report is not one this widget waits for. */
  resume: (env: WidgetEnv, report: CallReport) => Outcome | undefined
}

/** Fields of Twilio's request that are Studio's own URL parameters, not the call's. */
const URL_PARAMETERS: ReadonlySet<string> = new Set(['FlowEvent', 'FlowStep'])

/** What a widget publishes from Twilio's request: every field Twilio posted (Studio's URL parameters left out). */
function posted (report: CallReport): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(report.fields)) if (!URL_PARAMETERS.has(k)) out[k] = v
  return out
}

/** A URL back to Studio's webhook for this wait, relative until the webhook answers. */
const back = (env: WidgetEnv, event: string): string => `?FlowEvent=${event}&FlowStep=${env.step}`

const attr = (env: WidgetEnv, value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined
  const s = env.render(value)
  return s === '' ? undefined : s
}
/** A numeric attribute: a number as it is, a string rendered first (`"{{flow.variables.priority}}"`); else absent. */
const numberAttr = (env: WidgetEnv, value: unknown): number | undefined => {
  if (value === undefined || value === null) return undefined
  const s = typeof value === 'string' ? env.render(value).trim() : value
  if (s === '') return undefined
  const n = Number(s)
  return Number.isFinite(n) ? n : undefined
}

/** The prompt of say-play and gather-input-on-call: <Say> (voice, language, loop) or <Play> (loop), and <Play digits>. */
function prompt (env: WidgetEnv): TwimlVerb[] {
  const p = props(env)
  const verbs: TwimlVerb[] = []
  const loop = numberAttr(env, p.loop)
  const say = attr(env, p.say)
  const play = attr(env, p.play)
  // Studio's Say text may hold SSML (<break time="1s"/>, <emphasis>, …), which Twilio speaks as such.
  if (say !== undefined) verbs.push({ verb: 'Say', attrs: { voice: attr(env, p.voice), language: attr(env, p.language), loop }, text: say, ssml: true })
  else if (play !== undefined) verbs.push({ verb: 'Play', attrs: { loop }, text: play })
  const digits = attr(env, p.digits)
  if (digits !== undefined) verbs.push({ verb: 'Play', attrs: { digits } })
  return verbs
}

/** What a voice widget records in the outbox: the kind of action, what the caller hears, the call and the TwiML verbs. */
function record (env: WidgetEnv, kind: string, callSid: string, heard: string | null, verbs: TwimlVerb[]): void {
  const call = env.call()
  env.send({ kind, to: call?.from ?? null, from: call?.to ?? null, body: heard, detail: { call_sid: callSid, twiml: verbs as unknown as JsonObject[] } })
}

const spoken = (verbs: TwimlVerb[]): string | null => verbs.map(v => v.text ?? '').filter(t => t !== '').join(' ') || null

/**
 * A widget that answers with TwiML and waits: on a live call. `live` is the call (undefined: the execution has no
 * call, so the caller falls back to recording), or an outcome ending the execution when its call is over.
 */
function onCall (env: WidgetEnv): { sid: string } | Outcome | undefined {
  const call = env.call()
  if (call === undefined) return undefined
  // Studio cannot run a TwiML widget once the call is gone ("Stop Execution"): the execution ends.
  if (!call.live) return { end: 'CALL_ENDED' }
  return { sid: call.sid }
}

const sayPlay: VoiceWidget = {
  run (env) {
    const verbs = prompt(env)
    const call = onCall(env) as { sid: string }
    record(env, 'say', call.sid, spoken(verbs), verbs)
    const p = props(env)
    // Studio publishes the widget's voice and language (widgets.NAME.voice, widgets.NAME.language).
    const publish: JsonObject = {}
    if (p.voice !== undefined) publish.voice = env.render(p.voice)
    if (p.language !== undefined) publish.language = env.render(p.language)
    return { wait: 'call', until: null, publish, twiml: [...verbs, { verb: 'Redirect', text: back(env, 'audioComplete') }] }
  },
  resume: (_env, report) => report.event === 'audioComplete' ? { event: 'audioComplete', publish: posted(report) } : undefined
}

/** Gather's timeout in seconds: Studio's default 5. */
const gatherTimeout = (env: WidgetEnv): number => {
  const n = numberAttr(env, props(env).timeout)
  return n === undefined || n <= 0 ? 5 : n
}

const gather: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    // Speech recognition is on when the "User said something" transition is connected (Studio's Gather page).
    const speech = leadsSomewhere(env.widget, 'speech')
    // "Stop gathering on keypress?" (stop_gather, default yes) with the key in finish_on_key (default #; "" for none).
    const finishOnKey = p.stop_gather === false ? '' : p.finish_on_key === undefined ? '#' : env.render(p.finish_on_key)
    const children = prompt(env)
    const timeout = gatherTimeout(env)
    const verbs: TwimlVerb[] = [{
      verb: 'Gather',
      attrs: {
        action: back(env, 'gatherInput'),
        input: speech ? 'dtmf speech' : 'dtmf',
        finishOnKey,
        numDigits: numberAttr(env, p.number_of_digits),
        timeout,
        speechTimeout: speech ? attr(env, p.speech_timeout) ?? 'auto' : undefined,
        language: speech ? attr(env, p.gather_language) : undefined,
        hints: speech ? attr(env, p.hints) : undefined,
        profanityFilter: speech ? attr(env, p.profanity_filter) : undefined,
        speechModel: speech ? attr(env, p.speech_model) : undefined
      },
      children
    }, { verb: 'Redirect', text: back(env, 'timeout') }]
    record(env, 'gather', call.sid, spoken(children), verbs)
    // No input within the timeout on the emulator clock takes `timeout`, as Twilio's own request after the Gather does.
    return { wait: 'call', until: env.now + timeout * 1000, untilEvent: 'timeout', twiml: verbs }
  },
  resume (_env, report) {
    const fields = posted(report)
    if (report.event === 'timeout') return { event: 'timeout', publish: fields }
    if (report.event !== 'gatherInput') return undefined
    if (text(report.fields.Digits) !== '') return { event: 'keypress', publish: fields }
    if (text(report.fields.SpeechResult) !== '') return { event: 'speech', publish: fields }
    // Twilio requests the action with no input only when asked to (actionOnEmptyResult): that is a timeout too.
    return { event: 'timeout', publish: fields }
  }
}

/** connect-call-to's nouns: number, several numbers, client, SIP, conference, SIM. */
function dialNouns (env: WidgetEnv): TwimlVerb[] {
  const p = props(env)
  const to = env.render(p.to ?? '')
  switch (text(p.noun)) {
    case 'number-multi': return to.split(',').map(n => n.trim()).filter(n => n !== '').map(n => ({ verb: 'Number', text: n }))
    case 'client': return [{ verb: 'Client', text: to }]
    case 'sip': return [{ verb: 'Sip', attrs: { username: attr(env, p.sip_username), password: attr(env, p.sip_password) }, text: env.render(p.sip_endpoint ?? to) }]
    case 'conference': return [{ verb: 'Conference', text: to }]
    case 'sim': return [{ verb: 'Sim', text: to }]
    default: return [{ verb: 'Number', text: to }]
  }
}

const connectCall: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const nouns = dialNouns(env)
    const verbs: TwimlVerb[] = [{
      verb: 'Dial',
      attrs: {
        action: back(env, 'callCompleted'),
        callerId: attr(env, p.caller_id),
        timeout: numberAttr(env, p.timeout),
        timeLimit: numberAttr(env, p.time_limit),
        record: p.record === true ? 'record-from-answer' : undefined
      },
      children: nouns
    }]
    env.send({ kind: 'call', to: nouns.map(n => n.text).join(','), from: attr(env, p.caller_id) ?? env.call()?.to ?? null, body: null, detail: { call_sid: call.sid, noun: text(p.noun) || 'number', twiml: verbs as unknown as JsonObject[] } })
    return { wait: 'call', until: null, twiml: verbs }
  },
  // The dialled call ended (Twilio requests the Dial's action with DialCallStatus, DialCallSid, DialCallDuration, …).
  resume: (_env, report) => report.event === 'callCompleted' ? { event: 'callCompleted', publish: posted(report) } : undefined
}

const recordVoicemail: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const verbs: TwimlVerb[] = [{
      verb: 'Record',
      attrs: {
        action: back(env, 'recordingComplete'),
        maxLength: numberAttr(env, p.max_length),
        timeout: numberAttr(env, p.timeout),
        finishOnKey: attr(env, p.finish_on_key),
        playBeep: attr(env, p.play_beep),
        trim: attr(env, p.trim),
        transcribe: p.transcribe === true ? true : undefined,
        transcribeCallback: attr(env, p.transcription_callback_url),
        recordingStatusCallback: attr(env, p.recording_status_callback_url)
      }
    }, { verb: 'Redirect', text: back(env, 'noAudio') }]
    record(env, 'record', call.sid, null, verbs)
    return { wait: 'call', until: null, twiml: verbs }
  },
  resume (_env, report) {
    if (report.event === 'recordingComplete') return { event: 'recordingComplete', publish: posted(report) }
    if (report.event === 'noAudio') return { event: 'noAudio', publish: posted(report) }
    return undefined
  }
}

/** The Enqueue action's QueueResult → Enqueue Call / Send to Flex event (Studio's Enqueue Call page). */
function queueEvent (report: CallReport): string {
  const result = text(report.fields.QueueResult)
  if (result === 'queue-full') return 'failedToEnqueue'
  if (result === 'error' || result === 'system-error') return 'callFailure'
  return 'callComplete'
}

/** <Task> for a TaskRouter workflow: its attributes as text, priority and timeout as attributes. */
const task = (env: WidgetEnv, attributes: unknown, priority: unknown, timeout: unknown): TwimlVerb =>
  ({ verb: 'Task', attrs: { priority: numberAttr(env, priority), timeout: numberAttr(env, timeout) }, text: attributes === undefined ? '{}' : env.render(attributes) })

const enqueue: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const workflow = attr(env, p.workflow_sid)
    const verbs: TwimlVerb[] = [{
      verb: 'Enqueue',
      attrs: { action: back(env, 'callComplete'), waitUrl: attr(env, p.wait_url), waitUrlMethod: attr(env, p.wait_url_method), workflowSid: workflow },
      ...(workflow === undefined ? { text: env.render(p.queue_name ?? '') } : { children: [task(env, p.task_attributes, p.priority, p.timeout)] })
    }]
    record(env, 'enqueue', call.sid, workflow ?? env.render(p.queue_name ?? ''), verbs)
    return { wait: 'call', until: null, twiml: verbs }
  },
  resume: (_env, report) => report.event === 'callComplete' ? { event: queueEvent(report), publish: posted(report) } : undefined
}

const sendToFlex: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const attributes = p.attributes === undefined ? '{}' : env.render(p.attributes)
    const verbs: TwimlVerb[] = [{
      verb: 'Enqueue',
      attrs: { action: back(env, 'callComplete'), waitUrl: attr(env, p.waitUrl), waitUrlMethod: attr(env, p.waitUrlMethod), workflowSid: attr(env, p.workflow) },
      children: [task(env, attributes, p.priority, p.timeout)]
    }]
    // The Task TaskRouter creates for the call: its SID and attributes are published (widgets.NAME.TaskSid, Attributes).
    const taskSid = env.send({ kind: 'flex', to: null, from: call.sid, body: attributes, detail: { call_sid: call.sid, workflow: attr(env, p.workflow) ?? null, channel: attr(env, p.channel) ?? null, twiml: verbs as unknown as JsonObject[] }, prefix: 'WT' })
    return { wait: 'call', until: null, publish: { TaskSid: taskSid, Attributes: attributes }, twiml: verbs }
  },
  resume: (_env, report) => report.event === 'callComplete'
    ? { event: queueEvent(report), publish: { ...posted(report), Age: text(report.fields.QueueTime) || '0' } }
    : undefined
}

/** <Pay>'s Result → Capture Payments event; a Result this table does not know is a failure (providerError), never a success. */
const PAY_RESULTS: Readonly<Record<string, string>> = {
  success: 'success',
  'too-many-failed-attempts': 'maxFailedAttempts',
  'payment-connector-error': 'providerError',
  'caller-interrupted-with-star': 'payInterrupted',
  'caller-hung-up': 'hangup',
  'validation-error': 'validationError',
  'internal-error': 'providerError'
}

const capturePayments: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const cardTypes = Array.isArray(p.valid_card_types) ? (p.valid_card_types as unknown[]).map(text).join(' ') : attr(env, p.valid_card_types)
    const parameters = Array.isArray(p.parameters)
      ? (p.parameters as JsonObject[]).filter(x => x !== null && typeof x === 'object').map(x => ({ verb: 'Parameter', attrs: { name: text(x.key), value: env.render(x.value ?? '') } }))
      : []
    const verbs: TwimlVerb[] = [{
      verb: 'Pay',
      attrs: {
        action: back(env, 'payComplete'),
        chargeAmount: attr(env, p.payment_amount),
        currency: attr(env, p.currency),
        description: attr(env, p.description),
        paymentConnector: attr(env, p.payment_connector),
        timeout: numberAttr(env, p.timeout),
        maxAttempts: numberAttr(env, p.max_attempts),
        securityCode: typeof p.security_code === 'boolean' ? p.security_code : undefined,
        postalCode: attr(env, p.postal_code),
        minPostalCodeLength: numberAttr(env, p.min_postal_code_length),
        tokenType: attr(env, p.payment_token_type),
        paymentMethod: attr(env, p.payment_method),
        bankAccountType: attr(env, p.bank_account_type),
        validCardTypes: cardTypes,
        language: attr(env, p.language)
      },
      children: parameters
    }]
    record(env, 'payment', call.sid, attr(env, p.payment_amount) ?? null, verbs)
    return { wait: 'call', until: null, twiml: verbs }
  },
  resume: (_env, report) => report.event === 'payComplete'
    ? { event: PAY_RESULTS[text(report.fields.Result)] ?? 'providerError', publish: posted(report) }
    : undefined
}

/** TwiML Redirect: the call goes to the widget's URL; `?FlowEvent=return` brings it back (timeout: 14400 s by default). */
const twimlRedirect: VoiceWidget = {
  run (env) {
    const p = props(env)
    const call = onCall(env) as { sid: string }
    const url = env.render(p.url ?? '')
    try {
      // "fail: URL is invalid and cannot be parsed" (Studio's TwiML Redirect page).
      const parsed = new URL(url)
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError('not http')
    } catch {
      return { event: 'fail', publish: {} }
    }
    const verbs: TwimlVerb[] = [{ verb: 'Redirect', attrs: { method: attr(env, p.method) ?? 'POST' }, text: url }]
    record(env, 'redirect', call.sid, url, verbs)
    const seconds = numberAttr(env, p.timeout) ?? 14400
    return { wait: 'call', until: env.now + seconds * 1000, untilEvent: 'timeout', twiml: verbs }
  },
  resume (_env, report) {
    if (report.event === 'return') return { event: 'return', publish: posted(report) }
    if (report.event === 'timeout') return { event: 'timeout' }
    return undefined
  }
}

/**
 * Make Outgoing Call: answered with `AnsweredBy` only when answering-machine detection is on (the widget's
 * `detect_answering_machine` switch; `machine_detection` is its mode, present in exports either way).
 */
const machineDetection = (p: JsonObject): boolean => p.detect_answering_machine === true

/** The call's status for each outcome of Make Outgoing Call. */
const CALL_OUTCOMES: Readonly<Record<string, 'in-progress' | 'busy' | 'no-answer' | 'failed'>> = {
  answered: 'in-progress', busy: 'busy', noAnswer: 'no-answer', failed: 'failed'
}

const makeOutgoingCall: VoiceWidget = {
  run (env) {
    const p = props(env)
    const to = env.render(p.to ?? '{{contact.channel.address}}') || env.render('{{contact.channel.address}}')
    const from = env.render(p.from ?? '{{flow.channel.address}}') || env.render('{{flow.channel.address}}')
    const chosen = chosenFor(env)
    const detection = machineDetection(p)
    const base: JsonObject = { AccountSid: env.accountSid, To: to, From: from }
    if (chosen !== undefined) {
      // A test's choice decides the outcome at once: the call is placed with that result.
      const status = CALL_OUTCOMES[chosen.event] ?? 'failed'
      const answeredBy = status === 'in-progress' && detection ? text(chosen.publish.AnsweredBy) || 'human' : null
      const sid = env.placeCall({ to, from, status, answeredBy })
      env.send({ kind: 'call', to, from, body: null, detail: { call_sid: sid, ...(env.renderValue(p) as JsonObject), to, from } })
      return { event: chosen.event, publish: { ...base, CallSid: sid, CallStatus: status, ...(answeredBy !== null && { AnsweredBy: answeredBy }), ...chosen.publish } }
    }
    const sid = env.placeCall({ to, from, status: 'queued', answeredBy: null })
    env.send({ kind: 'call', to, from, body: null, detail: { call_sid: sid, ...(env.renderValue(p) as JsonObject), to, from } })
    // It rings for `timeout` seconds (default 60) on the emulator clock; unanswered by then, it takes noAnswer.
    const seconds = numberAttr(env, p.timeout) ?? 60
    return { wait: 'call', until: env.now + seconds * 1000, untilEvent: 'noAnswer', publish: { ...base, CallSid: sid, CallStatus: 'queued' } }
  },
  resume (env, report) {
    const status = CALL_OUTCOMES[report.event]
    if (status === undefined) return undefined
    const published = posted(report)
    if (report.event === 'answered') {
      if (!machineDetection(props(env))) delete published.AnsweredBy
      else published.AnsweredBy = text(report.fields.AnsweredBy) || 'human'
    } else delete published.AnsweredBy
    // Twilio's own final status stays (canceled takes failed, but the call was canceled); otherwise the outcome's.
    const final = report.event !== 'answered' && text(report.fields.CallStatus) === 'canceled' ? 'canceled' : status
    published.CallStatus = final
    return { event: report.event, publish: published, callStatus: { status: final, answeredBy: typeof published.AnsweredBy === 'string' ? published.AnsweredBy : null } }
  }
}

/** The voice widgets that follow a call here; the others (record-call, fork-stream, virtual agents) are recorded. */
export const VOICE_WIDGETS: Readonly<Record<string, VoiceWidget>> = {
  'say-play': sayPlay,
  'gather-input-on-call': gather,
  'connect-call-to': connectCall,
  'record-voicemail': recordVoicemail,
  'enqueue-call': enqueue,
  'enqueue-call-v2': enqueue,
  'send-to-flex': sendToFlex,
  'capture-payments': capturePayments,
  'add-twiml-redirect': twimlRedirect,
  'make-outgoing-call-v1': makeOutgoingCall,
  'make-outgoing-call-v2': makeOutgoingCall
}

/** Widgets that answer the call with TwiML (all but Make Outgoing Call, which places one). */
export const needsCall = (type: string): boolean => Object.hasOwn(VOICE_WIDGETS, type) && !type.startsWith('make-outgoing-call')

/**
 * Runs a voice widget: on a live call it answers with TwiML (or, with a test's choice, takes the chosen event at
 * once); without a call it returns undefined (recorded as before); after its call ended it ends the execution.
 */
export function runVoiceWidget (env: WidgetEnv, widget: VoiceWidget): Outcome | undefined {
  if (!needsCall(env.type)) return widget.run(env)
  const call = onCall(env)
  if (call === undefined || !('sid' in call)) return call
  const outcome = widget.run(env)
  const chosen = chosenFor(env)
  if (chosen !== undefined && 'wait' in outcome) return { event: chosen.event, publish: { ...('publish' in outcome ? outcome.publish : {}), ...chosen.publish } }
  return outcome
}
