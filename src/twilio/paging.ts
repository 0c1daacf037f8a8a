// Twilio's list paging: PageSize/Page/PageToken parsing, opaque keyset tokens, and the `meta` block.
import { invalidParameter } from './errors.js'

export const DEFAULT_PAGE_SIZE = 50
/** The spec's maximum. twilio-node sends PageSize=<limit> for list({ limit: 5000 }), so larger values are served as 1000. */
export const MAX_PAGE_SIZE = 1000

/** A position in a list: the sort key of the row a page starts after (PA…) or before (PB…). */
export interface PageToken {
  direction: 'after' | 'before'
  key: Array<string | number>
}

/**
 * Where a page starts when no token says so: after the first `rows` rows of the list in its own order (Page=n
 * without a PageToken). A repository reads it with LIMIT/OFFSET on the same sort order as its keyset pages.
 */
export interface PageOffset {
  direction: 'offset'
  rows: number
}

/** What a repository's list read is given: a token's position, or an offset from the start. */
export type PagePosition = PageToken | PageOffset

export interface PageRequest {
  pageSize: number
  page: number
  token: PageToken | undefined
}

export type KeyShape = ReadonlyArray<'string' | 'number'>

export interface PagingQuery {
  PageSize?: unknown
  Page?: unknown
  PageToken?: unknown
}

/** Reads PageSize, Page and PageToken. `keyShape` says what a token for this list must hold. */
export function parsePageRequest (query: PagingQuery, keyShape: KeyShape): PageRequest {
  const pageSize = parsePageSize(query.PageSize)
  const page = parsePage(query.Page)
  const token = query.PageToken === undefined || query.PageToken === '' ? undefined : decodePageToken(query.PageToken, keyShape)
  return { pageSize, page, token }
}

/**
 * Reads the page a request names. With a PageToken, the token says where it starts (Page is the client's own
 * count, echoed in meta). With Page=n and no token (a helper library's page(pageNumber)), it is the n-th page of
 * PageSize rows from the start, in the same order: docs/fidelity.md, "Page". That page is found with an offset
 * (one read that skips n × PageSize - 1 rows, however deep) and then read after the row before it, so that its
 * meta carries the same tokens as the page reached by following next_page_url n times.
 */
export function readPage<T> (request: PageRequest, keyOf: (item: T) => Array<string | number>, read: (position: PagePosition | undefined) => PageResult<T>): { request: PageRequest, result: PageResult<T> } {
  if (request.token !== undefined || request.page === 0) return { request, result: read(request.token) }
  const { page, pageSize } = request
  // The last row of page n-1 and what follows it. Far past any list, the offset stays a safe integer.
  const probe = read({ direction: 'offset', rows: Math.min(page * pageSize - 1, MAX_OFFSET) })
  const anchor = probe.items[0]
  if (anchor !== undefined && (probe.hasMore || probe.items.length > 1)) {
    const token: PageToken = { direction: 'after', key: keyOf(anchor) }
    return { request: { ...request, token }, result: read(token) }
  }
  // Past the end: an empty page whose position is where a walk along next_page_url stops, the start of the list's
  // last page (its first page when the list has at most one page).
  const total = probe.total ?? 0
  const lastPage = Math.max(0, Math.ceil(total / pageSize) - 1)
  let token: PageToken | undefined
  if (lastPage > 0) {
    const before = read({ direction: 'offset', rows: lastPage * pageSize - 1 }).items[0]
    if (before !== undefined) token = { direction: 'after', key: keyOf(before) }
  }
  return { request: { ...request, token }, result: { items: [], hasMore: false } }
}

/** The largest offset a Page=n read asks for (no list comes near it). */
const MAX_OFFSET = 2 ** 52

function parsePageSize (value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_PAGE_SIZE
  const n = toInteger(value)
  if (n === undefined || n < 1) throw invalidParameter('PageSize', 'must be an integer of at least 1')
  return Math.min(n, MAX_PAGE_SIZE)
}

function parsePage (value: unknown): number {
  if (value === undefined || value === '') return 0
  const n = toInteger(value)
  if (n === undefined || n < 0) throw invalidParameter('Page', 'must be a non-negative integer')
  return n
}

function toInteger (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value !== 'string' || !/^\s*[+-]?\d{1,15}\s*$/.test(value)) return undefined
  return Number(value)
}

/** PA/PB + base64url(JSON key): opaque to clients, and checked on the way back in. */
export function encodePageToken (token: PageToken): string {
  return (token.direction === 'after' ? 'PA' : 'PB') + Buffer.from(JSON.stringify(token.key)).toString('base64url')
}

function decodePageToken (value: unknown, keyShape: KeyShape): PageToken {
  const bad = () => invalidParameter('PageToken', 'is not a page token this list issued (use the URLs in meta)')
  if (typeof value !== 'string' || value.length > 512) throw bad()
  const prefix = value.slice(0, 2)
  if (prefix !== 'PA' && prefix !== 'PB') throw bad()
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(value.slice(2), 'base64url').toString('utf8'))
  } catch {
    throw bad()
  }
  if (!Array.isArray(key) || key.length !== keyShape.length) throw bad()
  for (let i = 0; i < keyShape.length; i++) {
    const part: unknown = key[i]
    if (keyShape[i] === 'number' ? !Number.isSafeInteger(part) : typeof part !== 'string' || part.length > 64) throw bad()
  }
  return { direction: prefix === 'PA' ? 'after' : 'before', key: key as Array<string | number> }
}

export interface PageMeta {
  page: number
  page_size: number
  first_page_url: string
  previous_page_url: string | null
  next_page_url: string | null
  url: string
  key: string
}

export interface PageResult<T> {
  items: T[]
  /** There are rows beyond this page in the direction it was read. */
  hasMore: boolean
  /** Read at an offset that reaches the end of the list: how many rows the list has. */
  total?: number
}

/**
 * Builds `meta` for a page read with `request`. `listUrl` is the absolute list URL and `filters`
 * the list's own query parameters in the order Twilio prints them; every page URL carries them.
 */
export function pageMeta<T> (opts: {
  listUrl: string
  filters: Array<[string, string]>
  request: PageRequest
  result: PageResult<T>
  keyOf: (item: T) => Array<string | number>
  key: string
}): PageMeta {
  const { listUrl, filters, request, result, keyOf, key } = opts
  const { pageSize, page, token } = request
  const items = result.items
  const pageUrl = (p: number, t: PageToken | undefined): string => {
    const params = new URLSearchParams(filters)
    params.set('PageSize', String(pageSize))
    params.set('Page', String(p))
    if (t !== undefined) params.set('PageToken', encodePageToken(t))
    return `${listUrl}?${params.toString()}`
  }
  const first = items[0]
  const last = items[items.length - 1]
  let next: string | null = null
  let previous: string | null = null
  if (token === undefined || token.direction === 'after') {
    if (result.hasMore && last !== undefined) next = pageUrl(page + 1, { direction: 'after', key: keyOf(last) })
    if (token !== undefined) {
      previous = pageUrl(Math.max(page - 1, 0), { direction: 'before', key: first !== undefined ? keyOf(first) : token.key })
    }
  } else {
    next = pageUrl(page + 1, { direction: 'after', key: last !== undefined ? keyOf(last) : token.key })
    if (result.hasMore && first !== undefined) previous = pageUrl(Math.max(page - 1, 0), { direction: 'before', key: keyOf(first) })
  }
  return {
    page,
    page_size: pageSize,
    first_page_url: pageUrl(0, undefined),
    previous_page_url: previous,
    next_page_url: next,
    url: pageUrl(page, token),
    key
  }
}
