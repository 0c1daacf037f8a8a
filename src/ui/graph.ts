// A Studio flow definition drawn as an SVG string, server-side, for an HTML page: one box per widget (name and type),
// one arrow per transition that names an existing widget (labelled with its event), laid out top to bottom by dagre.
// What an execution went through is marked with classes (`passed`, `current`) that the page's CSS colours; without
// CSS the drawing is plain black on white. Hostile definitions never throw: what cannot be drawn is left out.
import dagre from '@dagrejs/dagre'
import type { JsonObject } from '../types.js'

export interface FlowGraphOptions {
  /** Widgets the execution went through (see passedWidgets). */
  passed?: ReadonlySet<string>
  /** The widget the execution is at. */
  current?: string | null
  /** The drawing's accessible name. */
  title?: string
  /** Prefix of the ids in the SVG (the arrowhead's), to keep two drawings on one page apart. */
  idPrefix?: string
}

/** Widgets drawn at most; the rest are counted in a note. */
const MAX_WIDGETS = 400
/** Transitions drawn at most (a layout's cost grows with them). */
const MAX_TRANSITIONS = 1200
/** The most the laid-out transitions' lengths in ranks may add up to (dagre's work grows with it); see transitionsAside. */
const MAX_RANK_SPAN = 1500
const CHAR_WIDTH = 7.5
const NODE_PADDING = 24
const NODE_MIN_WIDTH = 120
const NODE_MAX_WIDTH = 280
const NODE_HEIGHT = 48
const NODE_MAX_CHARS = Math.floor((NODE_MAX_WIDTH - NODE_PADDING) / CHAR_WIDTH)
const EVENT_CHAR_WIDTH = 6.5
const EVENT_MAX_CHARS = 40
const NOTE_HEIGHT = 28
/** Transitions drawn aside run in lanes this far apart, this many lanes at most (then they share). */
const LANE_WIDTH = 8
const MAX_LANES = 60

/** Text for XML: `&<>"'` escaped, characters XML does not allow replaced with U+FFFD. */
function esc (s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

/** A text cut to `max` characters, the last one `…` when cut. */
function truncate (s: string, max: number): string {
  const chars = Array.from(s)
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…'
}

/** A coordinate as written in the SVG: one decimal, 0 when dagre gave none. */
function num (n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0'
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

interface Widget { name: string, type: string, transitions: unknown[] }
interface Transition { from: string, to: string, event: string, id: string }

/** The definition's widgets: objects with a non-empty string name, the first of each name. */
function widgetsOf (definition: JsonObject): Widget[] {
  const states = isObject(definition) && Array.isArray(definition.states) ? definition.states : []
  const seen = new Set<string>()
  const widgets: Widget[] = []
  for (const state of states) {
    if (!isObject(state) || typeof state.name !== 'string' || state.name === '' || seen.has(state.name)) continue
    seen.add(state.name)
    widgets.push({
      name: state.name,
      type: typeof state.type === 'string' ? state.type : '',
      transitions: Array.isArray(state.transitions) ? state.transitions : []
    })
  }
  return widgets
}

/**
 * Each transition's length in ranks as dagre would first lay it out: back edges (found by the same depth-first
 * search as dagre's) reversed, then ranks by longest path. dagre's ranking only shortens the total from there.
 */
function rankSpans (names: readonly string[], edges: readonly Transition[]): number[] {
  const out = new Map<string, number[]>(names.map(n => [n, []]))
  edges.forEach((e, i) => out.get(e.from)!.push(i))
  const reversed = new Set<number>()
  const onStack = new Set<string>()
  const visited = new Set<string>()
  const visit = (v: string): void => {
    visited.add(v)
    onStack.add(v)
    for (const i of out.get(v)!) {
      const w = edges[i].to
      if (onStack.has(w)) reversed.add(i)
      else if (!visited.has(w)) visit(w)
    }
    onStack.delete(v)
  }
  for (const v of names) if (!visited.has(v)) visit(v)

  const down = new Map<string, string[]>(names.map(n => [n, []]))
  edges.forEach((e, i) => reversed.has(i) ? down.get(e.to)!.push(e.from) : down.get(e.from)!.push(e.to))
  const height = new Map<string, number>()
  const heightOf = (v: string): number => {
    let h = height.get(v)
    if (h === undefined) {
      h = 0
      for (const w of down.get(v)!) h = Math.max(h, heightOf(w) + 1)
      height.set(v, h)
    }
    return h
  }
  return edges.map(e => Math.abs(heightOf(e.from) - heightOf(e.to)))
}

/**
 * The transitions left out of the layout (and drawn aside) to keep dagre's work small: the longest ones, until the
 * others' lengths in ranks add up to MAX_RANK_SPAN at most. Ordinary flows keep all of theirs.
 */
function transitionsAside (names: readonly string[], transitions: readonly Transition[]): Set<Transition> {
  const aside = new Set<Transition>()
  for (;;) {
    const laid = transitions.filter(t => !aside.has(t) && t.from !== t.to)
    const spans = rankSpans(names, laid)
    let total = spans.reduce((a, b) => a + b, 0)
    if (total <= MAX_RANK_SPAN) return aside
    const longest = laid.map((_, i) => i).sort((a, b) => spans[b] - spans[a])
    for (const i of longest) {
      if (total <= MAX_RANK_SPAN) break
      aside.add(laid[i])
      total -= spans[i]
    }
  }
}

/**
 * An SVG drawing of a flow definition: its widgets and the transitions between them, with the widgets in
 * `opts.passed` and `opts.current` marked by class. At most 400 widgets are drawn; a note counts the others.
 */
/** A definition laid out: what the drawing needs beside the execution's marks. */
interface Layout {
  all: Widget[]
  widgets: Widget[]
  widths: Map<string, number>
  transitions: Transition[]
  skippedTransitions: number
  aside: Set<Transition>
  width: number
  height: number
  centre: (name: string) => { x: number, y: number }
  edge: (t: Transition) => { points?: Array<{ x: number, y: number }>, x?: number, y?: number } | undefined
}

/**
 * Layouts by definition: the flow revisions the data layer hands out are shared objects, replaced (never changed)
 * when a flow changes, so one revision's drawing is laid out once and every page after it only marks it.
 */
const layouts = new WeakMap<JsonObject, Layout>()

function layoutOf (definition: JsonObject): Layout {
  const known = layouts.get(definition)
  if (known !== undefined) return known
  const all = widgetsOf(definition)
  const widgets = all.slice(0, MAX_WIDGETS)
  // dagre gets ids of its own (w0, w1, …): a widget's name may be anything, `__proto__` included.
  const ids = new Map(widgets.map((w, i) => [w.name, `w${i}`]))

  const widths = new Map<string, number>()
  for (const w of widgets) {
    const chars = Math.max(Array.from(w.name).length, Array.from(w.type).length)
    widths.set(w.name, Math.min(NODE_MAX_WIDTH, Math.max(NODE_MIN_WIDTH, Math.ceil(chars * CHAR_WIDTH) + NODE_PADDING)))
  }

  const transitions: Transition[] = []
  let skippedTransitions = 0
  for (const w of widgets) {
    w.transitions.forEach((t, i) => {
      if (!isObject(t) || typeof t.next !== 'string' || !ids.has(t.next)) return
      if (transitions.length >= MAX_TRANSITIONS) skippedTransitions++
      else transitions.push({ from: w.name, to: t.next, event: typeof t.event === 'string' ? t.event : '', id: String(i) })
    })
  }
  const aside = transitionsAside(widgets.map(w => w.name), transitions)

  const g = new dagre.graphlib.Graph({ multigraph: true })
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 40, edgesep: 10, marginx: 16, marginy: 16 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const w of widgets) g.setNode(ids.get(w.name)!, { width: widths.get(w.name)!, height: NODE_HEIGHT })
  for (const t of transitions) {
    if (aside.has(t)) continue
    const label = truncate(t.event, EVENT_MAX_CHARS)
    g.setEdge(ids.get(t.from)!, ids.get(t.to)!, {
      label, width: Math.ceil(Array.from(label).length * EVENT_CHAR_WIDTH) + 8, height: 14, labelpos: 'c'
    }, t.id)
  }

  if (widgets.length > 0) dagre.layout(g)
  const laid = g.graph()
  const layout: Layout = {
    all,
    widgets,
    widths,
    transitions,
    skippedTransitions,
    aside,
    width: widgets.length > 0 && Number.isFinite(laid.width) ? Math.ceil(laid.width as number) : 240,
    height: widgets.length > 0 && Number.isFinite(laid.height) ? Math.ceil(laid.height as number) : 0,
    centre: (name: string) => {
      const node = g.node(ids.get(name)!) as { x?: number, y?: number } | undefined
      return { x: node?.x ?? 0, y: node?.y ?? 0 }
    },
    edge: (t: Transition) => g.edge({ v: ids.get(t.from)!, w: ids.get(t.to)!, name: t.id }) as ReturnType<Layout['edge']>
  }
  layouts.set(definition, layout)
  return layout
}

export function flowGraphSvg (definition: JsonObject, opts: FlowGraphOptions = {}): string {
  const passed = opts.passed ?? new Set<string>()
  const current = opts.current ?? null
  const title = opts.title ?? 'Flow'
  const prefix = typeof opts.idPrefix === 'string' && /^[A-Za-z][\w-]*$/.test(opts.idPrefix) ? opts.idPrefix : 'g'
  const arrowId = `${prefix}-arrow`
  const layout = layoutOf(definition)
  const { all, widgets, widths, transitions, skippedTransitions, aside, centre } = layout
  let { width, height } = layout

  // A transition left out of the layout runs in a lane of its own right of the drawing, from its widget's right
  // side to the next one's.
  const lanesX = width
  let lane = 0
  const edgeSvg = transitions.map(t => {
    const event = truncate(t.event, EVENT_MAX_CHARS)
    let d: string
    let labelAt: { x: number, y: number, anchor: string }
    if (aside.has(t)) {
      const x = lanesX + (lane++ % MAX_LANES) * LANE_WIDTH
      const from = centre(t.from)
      const to = centre(t.to)
      d = `M ${num(from.x + widths.get(t.from)! / 2)} ${num(from.y)} L ${num(x)} ${num(from.y)} L ${num(x)} ${num(to.y)} L ${num(to.x + widths.get(t.to)! / 2 + 2)} ${num(to.y)}`
      labelAt = { x: x + 4, y: (from.y + to.y) / 2, anchor: 'start' }
    } else {
      const label = layout.edge(t)
      d = (label?.points ?? []).map((p, i) => `${i === 0 ? 'M' : 'L'} ${num(p.x)} ${num(p.y)}`).join(' ')
      labelAt = { x: label?.x ?? 0, y: label?.y ?? 0, anchor: 'middle' }
    }
    const cls = passed.has(t.from) && passed.has(t.to) ? 'transition passed' : 'transition'
    return `<g class="${cls}" data-event="${esc(t.event)}" data-from="${esc(t.from)}" data-to="${esc(t.to)}">` +
      `<title>${esc(`${t.from} → ${t.to} on ${t.event}`)}</title>` +
      `<path d="${d}" fill="none" stroke="#333" stroke-width="1.5" marker-end="url(#${arrowId})"/>` +
      `<text class="event" x="${num(labelAt.x)}" y="${num(labelAt.y)}" text-anchor="${labelAt.anchor}" dominant-baseline="middle" font-size="11" paint-order="stroke" stroke="white" stroke-width="3">${esc(event)}</text>` +
      '</g>'
  })
  if (lane > 0) width += Math.min(lane, MAX_LANES) * LANE_WIDTH + Math.ceil(EVENT_MAX_CHARS * EVENT_CHAR_WIDTH) + 8

  const notes: string[] = []
  if (widgets.length === 0) notes.push('No widgets to draw')
  if (all.length > widgets.length) notes.push(`… ${all.length - widgets.length} more widgets not drawn`)
  if (skippedTransitions > 0) notes.push(`… ${skippedTransitions} more transitions not drawn`)
  const noteSvg = notes.map((note, i) => {
    width = Math.max(width, Math.ceil(note.length * CHAR_WIDTH) + 32)
    return `<text class="note" x="16" y="${height + 18 + i * NOTE_HEIGHT}" font-size="13">${esc(note)}</text>`
  })
  height += notes.length * NOTE_HEIGHT

  const nodeSvg = widgets.map(w => {
    const { x, y } = centre(w.name)
    const nodeWidth = widths.get(w.name)!
    const classes = ['widget']
    if (w.type === 'trigger') classes.push('trigger')
    if (passed.has(w.name)) classes.push('passed')
    if (current === w.name) classes.push('current')
    const aria = `${w.name} (${w.type === '' ? 'unknown type' : w.type})` +
      (passed.has(w.name) ? ', passed' : '') + (current === w.name ? ', current' : '')
    return `<g class="${classes.join(' ')}" data-widget="${esc(w.name)}" role="listitem" aria-label="${esc(aria)}">` +
      `<title>${esc(`${w.name} (${w.type})`)}</title>` +
      `<rect x="${num(x - nodeWidth / 2)}" y="${num(y - NODE_HEIGHT / 2)}" width="${nodeWidth}" height="${NODE_HEIGHT}" rx="6" fill="white" stroke="#333" stroke-width="1.5"/>` +
      `<text class="name" x="${num(x)}" y="${num(y - 4)}" text-anchor="middle" font-size="13" font-weight="bold">${esc(truncate(w.name, NODE_MAX_CHARS))}</text>` +
      `<text class="type" x="${num(x)}" y="${num(y + 14)}" text-anchor="middle" font-size="11">${esc(truncate(w.type, NODE_MAX_CHARS))}</text>` +
      '</g>'
  })

  return `<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" role="group" aria-label="${esc(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">` +
    `<defs><marker id="${arrowId}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">` +
    '<path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/></marker></defs>' +
    `<g class="transitions">${edgeSvg.join('')}</g>` +
    `<g class="widgets" role="list">${nodeSvg.join('')}</g>` +
    noteSvg.join('') +
    '</svg>'
}

/** The widgets an execution's steps went through (both ends of each step), `Ended` left out. */
export function passedWidgets (steps: ReadonlyArray<{ transitionedFrom: string, transitionedTo: string }>): Set<string> {
  const names = new Set<string>()
  for (const step of steps) {
    for (const name of [step.transitionedFrom, step.transitionedTo]) if (name !== 'Ended') names.add(name)
  }
  return names
}
