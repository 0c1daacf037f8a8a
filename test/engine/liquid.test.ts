// Tests for src/engine/liquid.ts: Studio's Liquid rules on top of liquidjs.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkTemplate, LIQUID_LOOP_LIMIT, renderTemplate, renderValue, StudioTemplateError } from '../../src/engine/liquid.js'

const WINTER_NOON = Date.UTC(2024, 0, 15, 20, 0, 0) // 2024-01-15 12:00 PST
const SUMMER_1PM = Date.UTC(2024, 6, 15, 20, 0, 0) // 2024-07-15 13:00 PDT
const TWENTY = Array.from({ length: 20 }, (_, i) => i + 1)

const ctx = {
  flow: { data: { name: 'Zeke', count: '3' }, variables: {} },
  widgets: { http_1: { parsed: { result: [{ question: 'Q1' }, { question: 'Q2' }], ok: true } } },
  obj: { a: 1, b: [1, 2] },
  arr: [1, 'b', { c: 2 }],
  twenty: TWENTY
}

function render (template: string, now = WINTER_NOON): string {
  return renderTemplate(template, ctx, { now })
}

test('text without Liquid markup is returned exactly as written, single braces included', () => {
  for (const text of ['', 'Hello', '{ "a": 1 }', 'a } b { c', '100%']) assert.equal(render(text), text)
})

test('variables, filters and tags render like Liquid (Twilio: "Hello {{name}}")', () => {
  const cases: Array<[string, string]> = [
    ['Hello {{flow.data.name}}', 'Hello Zeke'],
    ['Hello {{ flow.data.name | upcase }}', 'Hello ZEKE'],
    ["Hello {{ 'tobi' }}", 'Hello tobi'],
    ['{% for i in widgets.http_1.parsed.result %}{{ i.question }} {% endfor %}', 'Q1 Q2 '],
    ['{% if widgets.http_1.parsed.ok %}yes{% else %}no{% endif %}', 'yes'],
    ['{% assign n = flow.data.count | plus: 1 %}{{ n }}', '4'],
    ['{% capture c %}x{{ flow.data.name }}{% endcapture %}{{ c | size }}', '5'],
    ["{% case flow.data.name %}{% when 'Zeke' %}Z{% else %}?{% endcase %}", 'Z'],
    ["{{ 'hELLO world' | capitalize }}", 'Hello world'],
    ["{{ nil | default: 'none' }}", 'none']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
})

test('unknown variables, properties and filters render empty or pass through, without an error', () => {
  const cases: Array<[string, string]> = [
    ['[{{ nope }}]', '[]'],
    ['[{{ flow.variables.x }}]', '[]'],
    ['[{{ widgets.missing.parsed.deep.er }}]', '[]'],
    ['[{{ nope | upcase }}]', '[]'],
    ["[{{ 'a' | no_such_filter }}]", '[a]'],
    ['[{% if nope %}x{% endif %}]', '[]'],
    ['[{% for x in nope %}x{% else %}empty{% endfor %}]', '[empty]'],
    ['[{{ obj.constructor }}{{ obj.__proto__ }}]', '[]']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
})

test('a template that cannot be parsed throws StudioTemplateError of kind parse, every time', () => {
  for (const template of ['Hello {{ name', '{% if true %}x', '{% unknown_tag %}', '{% for x %}{% endfor %}', '{{ a | }}x{% endif %}']) {
    for (let i = 0; i < 2; i++) {
      assert.throws(() => render(template), (err: unknown) => err instanceof StudioTemplateError && err.kind === 'parse' && err.template === template, template)
    }
    assert.throws(() => { checkTemplate(template) }, StudioTemplateError)
  }
  assert.doesNotThrow(() => { checkTemplate('Hello {{ name }}') })
  assert.doesNotThrow(() => { checkTemplate('plain') })
})

test('include, render and layout find no templates: there is no file system (render error)', () => {
  for (const template of ["{% include 'x' %}", "{% render 'x' %}", "{% layout 'x' %}body"]) {
    assert.throws(() => render(template), (err: unknown) => err instanceof StudioTemplateError && err.kind === 'render', template)
  }
})

test('"now" and "today" are the clock given in opts.now, shown in Pacific time (Twilio: "the timezone used is PST")', () => {
  const cases: Array<[string, number, string]> = [
    ["{{ 'now' | date: '%Y-%m-%d %H:%M' }}", WINTER_NOON, '2024-01-15 12:00'],
    ["{{ 'today' | date: '%Y-%m-%d %H:%M' }}", WINTER_NOON, '2024-01-15 12:00'],
    ["{{ 'now' | date: '%Z %z' }}", WINTER_NOON, 'PST -0800'],
    ["{{ 'now' | date: '%Y-%m-%d %H:%M' }}", SUMMER_1PM, '2024-07-15 13:00'],
    ["{{ 'now' | date: '%Z %z' }}", SUMMER_1PM, 'PDT -0700'],
    // 05:00 UTC on the 16th is still the evening of the 15th in Los Angeles.
    ["{{ 'now' | date: '%Y-%m-%d %H:%M' }}", Date.UTC(2024, 0, 16, 5, 0, 0), '2024-01-15 21:00'],
    ["{{ 'now' | date: '%A, %B %-d %Y %I:%M %p' }}", WINTER_NOON, 'Monday, January 15 2024 12:00 PM'],
    ["{{ 'now' | date: '%s' }}", WINTER_NOON, String(WINTER_NOON / 1000)],
    ["{{ 'now' | date: '100%% at %H' }}", WINTER_NOON, '100% at 12'],
    ["{{ 'now' | date: '%%Z' }}", WINTER_NOON, '%Z']
  ]
  for (const [template, now, expected] of cases) assert.equal(render(template, now), expected, `${template} @ ${new Date(now).toISOString()}`)
})

test('without opts.now, "now" is the real clock', () => {
  const before = Math.floor(Date.now() / 1000)
  const rendered = Number(renderTemplate("{{ 'now' | date: '%s' }}", {}))
  assert.ok(rendered >= before && rendered <= Math.floor(Date.now() / 1000) + 1)
})

test('the date filter reads dates as Pacific unless they carry their own zone, and prints them in Pacific time', () => {
  const cases: Array<[unknown, string]> = [
    [1700000000, '2023-11-14 14:13 PST'], // Unix seconds
    ['1700000000', '2023-11-14 14:13 PST'],
    ['2024-07-15', '2024-07-15 00:00 PDT'], // no zone: Pacific wall clock
    ['2024-07-15 10:00', '2024-07-15 10:00 PDT'],
    ['2024-07-15T10:00:00', '2024-07-15 10:00 PDT'],
    ['2024-01-15T10:00:00.250', '2024-01-15 10:00 PST'],
    ['July 15, 2024 10:00', '2024-07-15 10:00 PDT'],
    ['2024-07-15T10:00:00Z', '2024-07-15 03:00 PDT'], // explicit zone: converted
    ['2024-07-15T10:00:00-05:00', '2024-07-15 08:00 PDT'],
    ['2024-07-15T10:00:00+0100', '2024-07-15 02:00 PDT'],
    ['Mon, 15 Jul 2024 10:00:00 GMT', '2024-07-15 03:00 PDT'],
    ['2024-03-10 03:30', '2024-03-10 03:30 PDT'] // first morning of daylight time
  ]
  for (const [input, expected] of cases) {
    assert.equal(renderTemplate("{{ d | date: '%Y-%m-%d %H:%M %Z' }}", { d: input }, { now: WINTER_NOON }), expected, String(input))
  }
})

test('the date filter returns its input unchanged when it is not a date or no format is given (Shopify)', () => {
  const cases: Array<[string, string]> = [
    ["{{ 'garbage' | date: '%Y' }}", 'garbage'],
    ["{{ '2024-02-30' | date: '%Y' }}", '2024-02-30'],
    ["{{ 'now' | date }}", 'now'],
    ["{{ 'now' | date: '' }}", 'now'],
    ["[{{ nope | date: '%Y' }}]", '[]']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
})

test(`for loops stop after ${LIQUID_LOOP_LIMIT} iterations (Studio FAQ: "Limited to 15 iterations per Liquid Template loop")`, () => {
  const fifteen = TWENTY.slice(0, 15)
  const cases: Array<[string, string]> = [
    ['{% for i in twenty %}{{ i }},{% endfor %}', fifteen.map((i) => `${i},`).join('')],
    ['{% for i in (1..1000) %}x{% endfor %}', 'x'.repeat(15)],
    ['{% for i in twenty %}{{ forloop.length }}{% break %}{% endfor %}', '15'],
    ['{% for i in twenty %}{% if forloop.last %}{{ i }}{% endif %}{% endfor %}', '15'],
    ['{% for i in twenty limit: 3 %}{{ i }},{% endfor %}', '1,2,3,'],
    ['{% for i in twenty limit: 50 %}x{% endfor %}', 'x'.repeat(15)],
    ["{% for i in twenty limit: '4' %}x{% endfor %}", 'xxxx'],
    ['{% for i in twenty limit: -1 %}x{% endfor %}', ''],
    ['{% for i in twenty offset: 10 %}{{ i }},{% endfor %}', '11,12,13,14,15,16,17,18,19,20,'],
    ['{% for i in twenty offset: 2 %}{{ i }},{% endfor %}', '3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,'],
    ['{% for i in (1..20) reversed %}{{ i }},{% endfor %}', [...fifteen].reverse().map((i) => `${i},`).join('')],
    ['{% for i in (1..20) %}{% for j in (1..20) %}x{% endfor %}{% endfor %}', 'x'.repeat(15 * 15)],
    ['{% for i in (1..3) %}{{ i }}{% endfor %}', '123']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
  const rows = render('{% tablerow i in twenty cols: 5 %}{{ i }}{% endtablerow %}')
  assert.equal(rows.match(/<td/g)?.length, 15)
  assert.equal(render('{% tablerow i in twenty limit: 2 %}{{ i }}{% endtablerow %}').match(/<td/g)?.length, 2)
})

test('to_json turns a value into a JSON string', () => {
  const cases: Array<[string, string]> = [
    ['{{ obj | to_json }}', '{"a":1,"b":[1,2]}'],
    ['{{ arr | to_json }}', '[1,"b",{"c":2}]'],
    ['{{ widgets.http_1.parsed.result | to_json }}', '[{"question":"Q1"},{"question":"Q2"}]'],
    ["{{ 'say \"hi\"' | to_json }}", '"say \\"hi\\""'],
    ['{{ 42 | to_json }}', '42'],
    ['{{ nope | to_json }}', 'null'],
    ['{{ flow.variables | to_json }}', '{}']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
})

test('an object prints as Studio (Java) prints a Map, `{k=v, k2=v2}`; an array on its own prints its elements joined', () => {
  const values = {
    data: { name: 'Zeke', order: { id: 7, items: ['a', 'b'] } },
    scalars: { s: 'a b', n: 7, f: 1.5, neg: -2, t: true, f0: false, nil: null, empty: '' },
    nested: { a: { b: 1 } },
    lists: { maps: [{ id: 1 }, { id: 2 }], nums: [1, 2], nestedList: [[1, 2], ['x']], mixed: [null, true, 'q'] },
    empties: { map: {}, list: [] },
    order: { z: 1, a: 2, m: 3 },
    quotes: { text: 'say "hi", = {x}' },
    undef: { a: 1, gone: undefined, b: 2 },
    list: ['a', { k: 'v' }, ['x', 'y'], null, 3],
    emptyMap: {},
    emptyList: []
  }
  const cases: Array<[string, string]> = [
    ['{{ data }}', '{name=Zeke, order={id=7, items=[a, b]}}'],
    ['{{ data.order }}', '{id=7, items=[a, b]}'],
    ['{{ data.name }}', 'Zeke'], // a string prints as itself
    ['{{ scalars }}', '{s=a b, n=7, f=1.5, neg=-2, t=true, f0=false, nil=null, empty=}'],
    ['{{ nested }}', '{a={b=1}}'],
    ['{{ lists }}', '{maps=[{id=1}, {id=2}], nums=[1, 2], nestedList=[[1, 2], [x]], mixed=[null, true, q]}'],
    ['{{ empties }}', '{map={}, list=[]}'],
    ['{{ emptyMap }}', '{}'],
    ['[{{ emptyList }}]', '[]'],
    ['{{ order }}', '{z=1, a=2, m=3}'], // insertion order, not sorted
    ['{{ quotes }}', '{text=say "hi", = {x}}'], // nothing quoted or escaped, as Java prints it
    ['{{ undef }}', '{a=1, b=2}'], // JSON has no undefined
    ['{{ list }}', 'a{k=v}xy3'], // top level: elements joined (Liquid), null prints nothing
    ['{{ data.order.items }}', 'ab'],
    ['Hi {{ data.order }}!', 'Hi {id=7, items=[a, b]}!'],
    ['{% for item in lists.maps %}{{ item }};{% endfor %}', '{id=1};{id=2};'],
    ['{% capture c %}{{ data.order }}{% endcapture %}{{ c }}', '{id=7, items=[a, b]}'],
    ['{% assign o = data.order %}{{ o }}', '{id=7, items=[a, b]}'],
    ['{{ nope | default: data.order }}', '{id=7, items=[a, b]}']
  ]
  for (const [template, expected] of cases) assert.equal(renderTemplate(template, values), expected, template)
  assert.equal(render('{{ obj }}'), '{a=1, b=[1, 2]}')
  assert.equal(render('{{ arr }}'), '1b{c=2}')
  assert.equal(render('{{ obj.b }}'), '12')
  assert.equal(render('{{ widgets.http_1.parsed }}'), '{result=[{question=Q1}, {question=Q2}], ok=true}')
})

test('filters work on the real object, not on its printed form; to_json and json still give JSON', () => {
  const values = { data: { name: 'Zeke', order: { id: 7, items: ['a', 'b'] } }, list: [{ id: 1, ok: true }, { id: 2, ok: false }] }
  const cases: Array<[string, string]> = [
    ['{{ data | size }}', '2'], // a hash's size is its number of keys (Shopify)
    ['{{ data.size }}', '2'],
    ['{{ data.order.items | size }}', '2'],
    ["{{ 'abc' | size }}", '3'],
    ['{{ list | size }}', '2'],
    ['{{ list | first }}', '{id=1, ok=true}'],
    ['{{ list | last | map: "id" }}', '2'],
    ['{{ list | map: "id" | join: "," }}', '1,2'],
    ['{{ list | where: "ok", true | size }}', '1'],
    ['{{ list | where: "ok", true }}', '{id=1, ok=true}'],
    ['{{ data.order.items | join: ", " }}', 'a, b'],
    ['{{ data.order.items | first }}', 'a'],
    ['{% if data.order.id == 7 %}seven{% endif %}', 'seven'],
    ['{{ data | to_json }}', '{"name":"Zeke","order":{"id":7,"items":["a","b"]}}'],
    ['{{ data.order | json }}', '{"id":7,"items":["a","b"]}'],
    ['{{ list | to_json }}', '[{"id":1,"ok":true},{"id":2,"ok":false}]']
  ]
  for (const [template, expected] of cases) assert.equal(renderTemplate(template, values), expected, template)
})

test('renderValue prints objects the same way inside widget properties', () => {
  const values = { flow: { data: { name: 'Zeke', order: { id: 7 } } } }
  assert.deepEqual(renderValue({ body: '{{ flow.data }}', parameters: [{ key: 'o', value: '{{ flow.data.order }}' }] }, values),
    { body: '{name=Zeke, order={id=7}}', parameters: [{ key: 'o', value: '{id=7}' }] })
})

test('divided_by: integer by integer is integer division rounded down, a float operand gives a float (Shopify)', () => {
  const cases: Array<[unknown, unknown, string]> = [
    [10, 3, '3'],
    [20, 7, '2'],
    [-7, 2, '-4'],
    [7, -2, '-4'],
    ['10', '4', '2'],
    [' 10 ', 3, '3'],
    [10, 3.5, '2.857142857142857'],
    [10.5, 2, '5.25'],
    ['10.0', 4, '2.5'],
    [10, '2.5', '4'],
    [1.5, 0, 'Infinity']
  ]
  for (const [a, b, expected] of cases) {
    assert.equal(renderTemplate('{{ a | divided_by: b }}', { a, b }), expected, `${String(a)} / ${String(b)}`)
  }
  assert.equal(render('{{ 10 | divided_by: 3 }}'), '3')
  assert.equal(render('{{ 10 | divided_by: 3.5 }}'), '2.857142857142857')
})

test('integer division by zero is a render error', () => {
  assert.throws(() => render('{{ 1 | divided_by: 0 }}'), (err: unknown) => err instanceof StudioTemplateError && err.kind === 'render' && /divided by 0/.test(err.message))
})

test('a string number plus an integer is a number (Twilio support: adding an integer to a string converts the sum)', () => {
  assert.equal(render('{{ flow.data.count | plus: 1 }}'), '4')
  assert.equal(render("{{ '1' | plus: 0 }}"), '1')
  assert.equal(render("{{ '2' | times: '3' }}"), '6')
})

test('only nil and false are falsy; an empty string is truthy (Liquid truthiness)', () => {
  const cases: Array<[string, string]> = [
    ["{% if '' %}t{% else %}f{% endif %}", 't'],
    ['{% if 0 %}t{% else %}f{% endif %}', 't'],
    ['{% if false %}t{% else %}f{% endif %}', 'f'],
    ['{% if nope %}t{% else %}f{% endif %}', 'f'],
    ["{% if flow.data.name == 'Zeke' and 1 < 2 %}t{% endif %}", 't'],
    ["{% if flow.data.name contains 'ek' %}t{% endif %}", 't']
  ]
  for (const [template, expected] of cases) assert.equal(render(template), expected, template)
})

test('whitespace control: a hyphen inside a delimiter trims the whitespace on that side', () => {
  assert.equal(render('a  {%- if true -%}  b  {%- endif -%}  c'), 'abc')
  assert.equal(render('a  {{- flow.data.name -}}  c'), 'aZekec')
  assert.equal(render('a  {{ flow.data.name }}  c'), 'a  Zeke  c')
  assert.equal(render('{% if true %}\n  x\n{% endif %}'), '\n  x\n')
})

test('renderValue renders every string in a JSON-like value and keeps everything else', () => {
  const properties = {
    body: 'Hi {{ flow.data.name }}',
    parameters: [{ key: 'n', value: '{{ flow.data.count | plus: 1 }}' }, { key: '{{ missing.key }}', value: 7 }],
    timeout: 3600,
    flags: { enabled: true, none: null, nested: ['{{ obj.a }}', false] }
  }
  const copy = structuredClone(properties)
  assert.deepEqual(renderValue(properties, ctx), {
    body: 'Hi Zeke',
    parameters: [{ key: 'n', value: '4' }, { key: '', value: 7 }],
    timeout: 3600,
    flags: { enabled: true, none: null, nested: ['1', false] }
  })
  assert.deepEqual(properties, copy, 'input is not modified')
  assert.equal(renderValue('{{ flow.data.name }}', ctx), 'Zeke')
  assert.equal(renderValue(5, ctx), 5)
  assert.equal(renderValue(null, ctx), null)
  assert.deepEqual(renderValue({ '{{ k }}': 'v' }, ctx), { '{{ k }}': 'v' }, 'object keys are not templates')
  assert.throws(() => renderValue({ a: ['{{ broken'] }, ctx), StudioTemplateError)
})

test('the same template rendered with different contexts gives each its own result', () => {
  const template = 'Hi {{ name }}'
  assert.equal(renderTemplate(template, { name: 'A' }), 'Hi A')
  assert.equal(renderTemplate(template, { name: 'B' }), 'Hi B')
  assert.equal(renderTemplate(template, {}), 'Hi ')
})

// Text with `{{ path }}` outputs (and one plus/minus/times by a number) is rendered without liquidjs; these compare it
// with liquidjs's own rendering of the same template (a `{% comment %}` at the end sends a template to liquidjs and
// renders as nothing).
const TO_LIQUIDJS = '{% comment %}liquidjs{% endcomment %}'
const FAST_SHAPES = [
  'Hello {{flow.data.name}}', '{{ flow.data.name }}!', '{{flow.data.count | plus: 1}}', '{{ flow.data.count|minus:10 }}',
  '{{flow.data.count | times: 2.5}}', '{{flow.data.missing | plus: 4}}', '{{ missing.deep.path }}', '{{obj}}', '{{obj.b}}',
  '{{arr}}', '{{arr.size}}', '{{arr.first}}', '{{obj.a.b}}', '{{flow.data.name.length}}', '{{flow.nothing.x}}',
  '{{widgets.http_1.parsed}}', '{{widgets.http_1.parsed.ok}}', '{{n.zero | plus: 0}}', '{{n.nan | plus: 1}}',
  '{{n.float | times: 3}}', '{{n.nil}}{{n.nil.x}}', '{{n.t}} {{n.f}} {{n.neg | minus: 1}}', 'a {{x.y}} b {{x.z}} c',
  '{{constructor}}', '{{obj.toString}}', '{{n.obj | plus: 1}}', '{{ n.str | plus: 1 }}', '{{n.big | times: 1000}}',
  'unicode é ✓ {{flow.data.name}} ☃', '{{flow.data.name}}}', '{{flow.data.name}} }}', '{ {{flow.data.name}} }'
]
const CONTEXTS = [
  ctx,
  { ...ctx, n: { zero: 0, nan: 'x', float: '1.5', nil: null, t: true, f: false, neg: -2, obj: { a: 1 }, str: ' 7 ', big: 1e300 }, x: { y: 'Y', z: [1, [2, 3]] } },
  { flow: null, obj: 'text', arr: {}, widgets: { http_1: { parsed: null } } }
]

test('text and {{ path }} outputs render exactly as liquidjs renders them, whatever the context holds', () => {
  for (const context of CONTEXTS) {
    for (const template of FAST_SHAPES) {
      const expected = renderTemplate(template + TO_LIQUIDJS, context)
      assert.equal(renderTemplate(template, context), expected, `${template} with ${JSON.stringify(context).slice(0, 80)}`)
    }
  }
})

test('such templates skip liquidjs (which looks the first name up with `in`); tags and filters of other kinds do not', () => {
  let lookups = 0
  const context = new Proxy({ a: { b: 'B' }, n: '2' }, { has (target, key) { lookups++; return Reflect.has(target, key) } })
  assert.equal(renderTemplate('x {{a.b}} {{ n | plus: 1 }}', context), 'x B 3')
  assert.equal(lookups, 0)
  assert.equal(renderTemplate('{{ a.b | upcase }}', context), 'B')
  assert.ok(lookups > 0)
})
