// Keyset-paging helpers shared by the repositories.

export const FAR_FUTURE = Number.MAX_SAFE_INTEGER
export const FAR_PAST = -Number.MAX_SAFE_INTEGER

/** Rows were read with one extra to learn whether more follow; "before" pages were read oldest first. */
export function toPage<T> (rows: T[], pageSize: number, readBackwards: boolean): { items: T[], hasMore: boolean } {
  const hasMore = rows.length > pageSize
  const items = hasMore ? rows.slice(0, pageSize) : rows
  if (readBackwards) items.reverse()
  return { items, hasMore }
}
