// Keyset-paging helpers shared by the repositories.
import type { PagePosition, PageResult } from '../twilio/paging.js'

export const FAR_FUTURE = Number.MAX_SAFE_INTEGER
export const FAR_PAST = -Number.MAX_SAFE_INTEGER

/** Rows were read with one extra to learn whether more follow; "before" pages were read oldest first. */
export function toPage<T> (rows: T[], pageSize: number, readBackwards: boolean): { items: T[], hasMore: boolean } {
  const hasMore = rows.length > pageSize
  const items = hasMore ? rows.slice(0, pageSize) : rows
  if (readBackwards) items.reverse()
  return { items, hasMore }
}

/** How many rows a list read skips: an offset position's (Page=n without a token), else none. */
export const offsetOf = (position: PagePosition | undefined): number => position?.direction === 'offset' ? position.rows : 0

/**
 * A page read in the list's own order (newest first) with one extra row: after a token, or `offsetOf(position)`
 * rows from the start. Read at an offset, a page that reaches the end of the list also tells how many rows the list
 * has: the offset plus its rows, or, when the offset is past the end, `count()`.
 */
export function toPageAt<T> (rows: T[], pageSize: number, position: PagePosition | undefined, count: () => number): PageResult<T> {
  const page: PageResult<T> = toPage(rows, pageSize, false)
  if (position?.direction === 'offset' && !page.hasMore) {
    page.total = page.items.length > 0 || position.rows === 0 ? position.rows + page.items.length : count()
  }
  return page
}
