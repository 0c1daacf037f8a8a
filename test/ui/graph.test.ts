import { test } from 'node:test'
import assert from 'node:assert/strict'
import { flowGraphSvg, passedWidgets } from '../../src/ui/graph.js'
import type { JsonObject } from '../../src/types.js'

const flow: JsonObject = {
  initial_state: 'Trigger',
  states: [
    { name: 'Trigger', type: 'trigger', transitions: [{ event: 'incomingMessage', next: 'ask' }, { event: 'incomingCall' }] },
    { name: 'ask', type: 'send-and-wait-for-reply', transitions: [{ event: 'incomingMessage', next: 'split' }, { event: 'timeout', next: 'ask' }] },
    {
      name: 'split',
      type: 'split-based-on',
      transitions: [{ event: 'noMatch', next: 'thanks' }, { event: 'match', next: 'thanks' }, { event: 'match', next: 'thanks' }, { event: 'match', next: 'gone' }]
    },
    { name: 'thanks', type: 'send-message', transitions: [{ event: 'sent' }, { event: 'failed', next: 'ask' }] }
  ]
}

const count = (s: string, re: RegExp): number => (s.match(re) ?? []).length

/** Every `<g` closed by a `</g>`, and the whole drawing one <svg> element. */
function assertWellFormed (svg: string): void {
  assert.ok(svg.startsWith('<svg '), svg.slice(0, 80))
  assert.ok(svg.endsWith('</svg>'))
  assert.equal(count(svg, /<g[\s>]/g), count(svg, /<\/g>/g))
  assert.equal(count(svg, /<text[\s>]/g), count(svg, /<\/text>/g))
}

test('a flow: one widget group per state, one transition group per transition to an existing widget', () => {
  const svg = flowGraphSvg(flow, { title: 'My flow' })
  assertWellFormed(svg)
  assert.equal(count(svg, /data-widget="/g), 4)
  // incomingMessage, incomingMessage, timeout (a self-loop), noMatch, match, match, failed; not incomingCall nor match → gone.
  assert.equal(count(svg, /data-event="/g), 7)
  assert.equal(count(svg, /data-from="split" data-to="thanks"/g), 3)
  assert.match(svg, /<g class="transition" data-event="timeout" data-from="ask" data-to="ask"><title>[^<]*<\/title><path d="M [\d.-]+ [\d.-]+ L /)
  assert.match(svg, /role="group" aria-label="My flow" viewBox="0 0 \d+ \d+" width="\d+" height="\d+"/)
  assert.match(svg, /<marker id="g-arrow"/)
  assert.match(svg, /marker-end="url\(#g-arrow\)"/)
  assert.match(svg, /<g class="widget trigger" data-widget="Trigger" role="listitem" aria-label="Trigger \(trigger\)">/)
  assert.match(flowGraphSvg(flow, { idPrefix: 'run2' }), /<marker id="run2-arrow"/)
})

test('passed and current widgets, and transitions between passed widgets, are marked by class', () => {
  const passed = passedWidgets([
    { transitionedFrom: 'Trigger', transitionedTo: 'ask' },
    { transitionedFrom: 'ask', transitionedTo: 'split' },
    { transitionedFrom: 'split', transitionedTo: 'Ended' }
  ])
  assert.deepEqual([...passed].sort(), ['Trigger', 'ask', 'split'])
  const svg = flowGraphSvg(flow, { passed, current: 'split' })
  assertWellFormed(svg)
  assert.match(svg, /class="widget trigger passed" data-widget="Trigger"[^>]*aria-label="Trigger \(trigger\), passed"/)
  assert.match(svg, /class="widget passed current" data-widget="split"[^>]*aria-label="split \(split-based-on\), passed, current"/)
  assert.match(svg, /class="widget" data-widget="thanks"/)
  assert.match(svg, /class="transition passed" data-event="incomingMessage" data-from="ask" data-to="split"/)
  assert.match(svg, /class="transition" data-event="failed" data-from="thanks"/)
})

test('names, types, events and the title are escaped; long names are cut on screen but kept whole in labels', () => {
  const evil = '<script>alert(1)</script> & "x"'
  const long = 'n'.repeat(100)
  const svg = flowGraphSvg({
    states: [
      { name: evil, type: '<b>\'t\'', transitions: [{ event: '<e>&', next: long }] },
      { name: long, type: 'x' }
    ]
  }, { title: '</svg><script>' })
  assertWellFormed(svg)
  assert.ok(!svg.includes('<script') && !svg.includes('<b>') && !svg.includes('<e>') && !svg.includes('"x"'))
  assert.ok(svg.includes('data-widget="&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;"'))
  assert.ok(svg.includes('aria-label="&lt;/svg&gt;&lt;script&gt;"'))
  assert.ok(svg.includes('&#39;t&#39;') && svg.includes('data-event="&lt;e&gt;&amp;"'))
  assert.ok(svg.includes(`aria-label="${long} (x)"`))
  assert.match(svg, /font-weight="bold">n+…<\/text>/)
})

test('hostile definitions draw what makes sense and never throw', () => {
  const hostile: unknown[] = [
    {},
    { states: 5 },
    { states: [null, 3, { name: 7 }, 'x', [], { name: '' }] },
    { states: [{ name: 'a', transitions: [{ event: 'e', next: 'missing' }, null, { next: 4 }, { next: 'a' }] }] },
    { states: [{ name: 'a', type: 'first' }, { name: 'a', type: 'second' }] },
    { states: [{ name: '__proto__', transitions: { next: 'x' } }, { name: 'constructor', type: 9, transitions: [{ next: '__proto__' }] }] },
    { states: [{ name: 'bad\u0000char\uD800', transitions: [] }] }
  ]
  for (const definition of hostile) {
    const svg = flowGraphSvg(definition as JsonObject, { passed: new Set(['a']), current: 'a' })
    assertWellFormed(svg)
  }
  const duplicate = flowGraphSvg(hostile[4] as JsonObject, {})
  assert.equal(count(duplicate, /data-widget="a"/g), 1)
  assert.ok(duplicate.includes('first') && !duplicate.includes('second'))
  assert.ok(!flowGraphSvg(hostile[6] as JsonObject, {}).includes('\u0000'))
})

test('a 1000-widget chain: the first 400 drawn, a note for the rest, quickly', () => {
  const states = Array.from({ length: 1000 }, (_, i) => ({ name: `w${i}`, type: 'set-variables', transitions: [{ event: 'next', next: `w${i + 1}` }, { event: 'back', next: 'w0' }] }))
  const started = Date.now()
  const svg = flowGraphSvg({ states }, {})
  assert.ok(Date.now() - started < 10_000)
  assertWellFormed(svg)
  assert.equal(count(svg, /data-widget="/g), 400)
  assert.equal(count(svg, /data-event="next"/g), 399)
  assert.equal(count(svg, /data-event="back"/g), 400)
  assert.match(svg, /… 600 more widgets not drawn/)
})
