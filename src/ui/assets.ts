// The inspector's own stylesheet and script, served from memory (no build step, no CDN). htmx itself is served from
// its npm package (routes/ui.ts). The script keeps the page live: it listens to the change stream and has htmx
// reload each region that shows a changed topic, keeps open <details> open across reloads, and shows errors.

export const STYLESHEET = `
:root { --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --accent: #0b57d0;
  --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --passed: #dafbe1; --current: #fff8c5; font-size: 17px; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); line-height: 1.45; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, textarea:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .75rem 1.5rem; padding: .6rem 1.2rem; background: #24292f; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header.top nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
header.top .brand { font-weight: 700; font-size: 1.1rem; }
.clock { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem; margin-left: auto; }
.clock time { font-variant-numeric: tabular-nums; }
.clock input { width: 6rem; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: .3rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.6rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88rem; word-break: break-all; }
.status { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .85rem; font-weight: 600; }
.status.active { background: #ddf4ff; color: #0550ae; }
.status.ended { background: #eaeef2; color: var(--muted); }
.status.bad { background: #ffebe9; color: var(--bad); }
form.inline { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .5rem .8rem; margin: .4rem 0 1rem; }
form.inline label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
input, select, textarea, button { font: inherit; font-size: .95rem; }
input, select, textarea { padding: .3rem .45rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--fg); }
button { padding: .35rem .8rem; border-radius: 6px; border: 1px solid #1f6feb; background: #1f6feb; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--fg); border-color: var(--line); }
button.danger { background: var(--bad); border-color: var(--bad); }
header.top button.secondary { background: transparent; color: #fff; border-color: #8c959f; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; margin: .8rem 0; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem 1.5rem; }
@media (max-width: 1000px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.muted { color: var(--muted); }
.pager { display: flex; gap: 1rem; margin: .8rem 0; }
#errors:not(:empty) { background: #ffebe9; border: 1px solid var(--bad); color: var(--bad); padding: .6rem 1rem; border-radius: 6px; margin: .6rem 1.2rem 0; }
#notice:not(:empty) { background: #dafbe1; border: 1px solid var(--ok); color: var(--ok); padding: .4rem 1rem; border-radius: 6px; margin: .6rem 1.2rem 0; }
details > summary { cursor: pointer; }
pre { white-space: pre-wrap; word-break: break-word; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .5rem; margin: .3rem 0; font-size: .85rem; max-height: 28rem; overflow: auto; }
ul.tree { list-style: none; padding-left: 1.1rem; margin: .1rem 0; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88rem; }
ul.tree > li { margin: .1rem 0; }
.tree .key { color: #8250df; }
.tree .str { color: #0a3069; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline > li { border-left: 3px solid var(--line); padding: .2rem 0 .5rem .8rem; margin-left: .3rem; }
ol.timeline > li.in { border-left-color: var(--ok); }
ol.timeline > li.out { border-left-color: var(--accent); }
ol.timeline > li.call { border-left-color: #8250df; }
ol.timeline > li.http { border-left-color: var(--warn); }
.graph { overflow: auto; border: 1px solid var(--line); border-radius: 8px; background: #fff; padding: .5rem; max-height: 70vh; }
.flow-graph .widget rect { fill: #fff; stroke: #57606a; }
.flow-graph .widget.trigger rect { fill: #f6f8fa; }
.flow-graph .widget.passed rect { fill: var(--passed); stroke: var(--ok); stroke-width: 2; }
.flow-graph .widget.current rect { fill: var(--current); stroke: var(--warn); stroke-width: 3; }
.flow-graph text { font-family: system-ui, sans-serif; font-size: 13px; fill: var(--fg); }
.flow-graph .transition path { fill: none; stroke: #8c959f; }
.flow-graph .transition.passed path { stroke: var(--ok); stroke-width: 2; }
.flow-graph text.event { font-size: 11px; fill: var(--muted); }
.live-state { font-size: .8rem; color: #8c959f; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`

export const SCRIPT = `
(function () {
  'use strict'
  var root = document.body.getAttribute('data-root')
  var errors = document.getElementById('errors')
  var notice = document.getElementById('notice')
  var liveState = document.getElementById('live-state')

  // Reload the regions that show one of these topics (all of them when topics is null) from their data-url: one
  // request at a time per region and at most one every 300 ms; a change that comes meanwhile reloads it once more.
  // (Not through htmx triggers on the regions: a region swapped in a moment ago has none yet, and would miss it.)
  var loading = {}
  function refresh (topics) {
    document.querySelectorAll('[data-live]').forEach(function (el) {
      var shows = el.getAttribute('data-live').split(' ')
      if (topics === null || shows.some(function (t) { return topics.indexOf(t) >= 0 })) reload(el.id)
    })
  }
  function reload (id) {
    if (loading[id]) { loading[id] = 'again'; return }
    var el = document.getElementById(id)
    if (!el) return
    loading[id] = 'now'
    // Busy while it reloads (assistive technology waits; so do the browser tests before they type into a region).
    el.setAttribute('aria-busy', 'true')
    function settled () {
      var now = document.getElementById(id)
      if (now) now.removeAttribute('aria-busy')
      setTimeout(function () {
        var again = loading[id] === 'again'
        delete loading[id]
        if (again) reload(id)
      }, 300)
    }
    htmx.ajax('GET', el.getAttribute('data-url'), { target: el, swap: el.getAttribute('data-swap') || 'outerHTML' }).then(settled, settled)
  }

  function connect () {
    var source = new EventSource(root + 'stream')
    source.addEventListener('change', function (e) { refresh(JSON.parse(e.data).topics) })
    // Missed changes (a reconnection after a pause, or to an emulator started since): reload everything.
    source.addEventListener('reload', function () { refresh(null) })
    // Changes made before connecting (between rendering the page and its first connection, or while the connection
    // was down: the emulator may even have restarted) would be missed: reload everything each time it opens.
    source.onopen = function () {
      if (liveState) liveState.textContent = 'live'
      if (errors.textContent === NO_ANSWER) errors.textContent = ''
      refresh(null)
    }
    source.onerror = function () { if (liveState) liveState.textContent = 'reconnecting…' }
  }

  // A tab coming back to the foreground catches up at once.
  document.addEventListener('visibilitychange', function () { if (!document.hidden) refresh(null) })

  // Keep open <details> open, what a person is typing, and where the keyboard focus is, when htmx replaces a region.
  var open = []
  var typed = []
  var focused = null
  // A field is known by its id, or by its form (aria-label, else hx-post) and its name.
  function formKey (form) { return form ? form.getAttribute('aria-label') || form.getAttribute('hx-post') || '' : '' }
  function fieldKey (el) {
    if (el.id) return '#' + el.id
    return el.form && el.name ? formKey(el.form) + '|' + el.name : null
  }
  function fields (root) {
    var found = {}
    Array.prototype.forEach.call(root.querySelectorAll('input, textarea, select'), function (i) {
      var key = fieldKey(i)
      if (key !== null && i.type !== 'hidden') found[key] = i
    })
    return found
  }
  // Any control that can have the focus, known by what stays the same across a reload: its id, a field's key, a
  // link's href, a <summary> by its <details>' id, a button by its form and text.
  function focusKey (el) {
    if (el.id) return '#' + el.id
    if (el.matches('input, textarea, select')) { var k = fieldKey(el); return k === null ? null : 'field ' + k }
    if (el.tagName === 'SUMMARY') return el.parentElement && el.parentElement.id ? 'summary ' + el.parentElement.id : null
    if (el.tagName === 'A' && el.hasAttribute('href')) return 'link ' + el.getAttribute('href')
    if (el.tagName === 'BUTTON') return 'button ' + formKey(el.form) + '|' + el.textContent.trim()
    return null
  }
  function findFocusable (key) {
    var all = document.querySelectorAll('[id], input, textarea, select, summary, a[href], button')
    for (var i = 0; i < all.length; i++) if (focusKey(all[i]) === key) return all[i]
    return null
  }
  document.body.addEventListener('htmx:beforeSwap', function (e) {
    var target = e.detail.target
    open = Array.prototype.map.call(target.querySelectorAll('details[open][id]'), function (d) { return d.id })
    var before = fields(target)
    typed = Object.keys(before).filter(function (k) { return before[k].value !== '' }).map(function (k) { return [k, before[k].value] })
    var active = document.activeElement
    focused = active && active !== target && target.contains(active) ? { key: focusKey(active) } : null
  })
  document.body.addEventListener('htmx:afterSwap', function () {
    open.forEach(function (id) { var d = document.getElementById(id); if (d) d.open = true })
    var after = fields(document)
    typed.forEach(function (t) { var i = after[t[0]]; if (i && i.value === '') i.value = t[1] })
    // The focus goes back to the same control; when the region no longer has it (an action that removed its own
    // button, a row that went away), to the notice that says what happened, never to the page's start.
    if (focused && document.activeElement !== document.body && document.activeElement !== null) focused = null
    if (focused) {
      var again = focused.key === null ? null : findFocusable(focused.key)
      if (again) again.focus()
      else notice.focus()
    }
    typed = []
    focused = null
  })

  // Errors from actions come as Twilio's error JSON: show its message.
  document.body.addEventListener('htmx:responseError', function (e) {
    var text = e.detail.xhr.responseText
    var message = text
    try { var body = JSON.parse(text); message = body.message + ' (' + body.code + ')' } catch (err) {}
    errors.textContent = message
    notice.textContent = ''
  })
  // Shown until the emulator answers again (the change stream reconnects).
  var NO_ANSWER = 'The emulator did not answer.'
  document.body.addEventListener('htmx:sendError', function () { errors.textContent = NO_ANSWER })
  document.body.addEventListener('htmx:afterRequest', function (e) {
    if (!e.detail.successful || e.detail.requestConfig.verb === 'get') return
    errors.textContent = ''
    var done = e.detail.elt.getAttribute('data-done')
    notice.textContent = done || 'Done.'
    refresh(null)
  })

  reload('clock')
  connect()
})()
`
