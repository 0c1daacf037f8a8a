// The inspector (/__emulator/ui/, server-rendered HTML) with the whole database behind it: the executions view (the
// full page a person opens: the newest 50 executions of every flow, with the filter form) and one execution's page
// (its steps with their contexts, the conversation, the flow graph, the context tree). No STUDIO_ADMIN_TOKEN is set,
// so the pages need no sign-in. Both are timed to their first byte (the response headers) and to their last.
import type { LoadSpec } from './load.js'
import { httpGet, httpJson } from './proc.js'
import { ENGINE_STEPS, tenWidgetFlow } from './engine.js'
import { publishFlow, v2Creates, waitIdle } from './emulator-api.js'
import { runLoad } from './load.js'

export const INSPECTOR = '/__emulator/ui/'
const PAGE_ROWS = 50
/** What a browser sends when a person opens the page. */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

export type InspectorCase = 'inspector_executions' | 'inspector_execution'

/** The full pages (not the htmx fragments they refresh with): the list, and one execution's page rotating over `sids`. */
export function inspectorSpecs (sids: string[]): Record<InspectorCase, Omit<LoadSpec, 'url' | 'connections' | 'durationS'>> {
  let i = 0
  return {
    inspector_executions: { path: INSPECTOR, headers: BROWSER, firstByte: true },
    inspector_execution: { path: `${INSPECTOR}executions/${sids[0] ?? ''}`, headers: BROWSER, firstByte: true, vary: (r) => ({ ...r, path: `${INSPECTOR}executions/${sids[i++ % sids.length] ?? ''}` }) }
  }
}

/**
 * Executions of the ten-widget flow to show (`n`, newest first): those of `flow` when given (the engine case's),
 * else of a flow published and run here (BENCH_PROFILE runs the inspector cases alone).
 */
export async function timelineSids (url: string, auth: Record<string, string>, n: number, flow?: string): Promise<string[]> {
  if (flow === undefined) {
    flow = await publishFlow(url, auth, 'bench ten widgets (inspector)', tenWidgetFlow())
    const creates = v2Creates(flow, auth, i => `+1888${String(i).padStart(7, '0')}`)
    await runLoad({ ...creates, url, connections: 10, durationS: 10, amount: n })
    await waitIdle(url)
  }
  const page = await httpJson(`${url}/v2/Flows/${flow}/Executions?PageSize=${n}`, auth)
  const sids = (page.body.executions as Array<{ sid: string }> | undefined ?? []).map(e => e.sid)
  if (page.status !== 200 || sids.length !== n) throw new Error(`inspector: ${sids.length} executions of the ten-widget flow to show, ${n} wanted`)
  return sids
}

/** Each page once: 200 HTML, the list with its 50 rows, the execution page with every step of that execution. */
export async function verifyInspector (url: string, sids: string[]): Promise<void> {
  const list = await httpGet(url + INSPECTOR, BROWSER)
  const rows = list.text.match(/data-execution="FN[0-9a-f]{32}"/g)?.length ?? 0
  if (list.status !== 200 || !/^text\/html/.test(list.headers['content-type'] ?? '') || rows !== PAGE_ROWS) {
    throw new Error(`inspector executions view: ${list.status} ${list.headers['content-type'] ?? ''}, ${rows} rows: ${list.text.slice(0, 300)}`)
  }
  const sid = sids[0] ?? ''
  const one = await httpGet(`${url}${INSPECTOR}executions/${sid}`, BROWSER)
  const steps = one.text.match(/<details id="step-/g)?.length ?? 0
  if (one.status !== 200 || !/^text\/html/.test(one.headers['content-type'] ?? '') || !one.text.includes(sid) || steps !== ENGINE_STEPS || !one.text.includes('<svg')) {
    throw new Error(`inspector execution ${sid}: ${one.status} ${one.headers['content-type'] ?? ''}, ${steps} steps: ${one.text.slice(0, 300)}`)
  }
}
