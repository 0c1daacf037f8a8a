// Absolute URLs in responses: they point back at the emulator the client called, or at STUDIO_PUBLIC_URL.

export interface RequestOrigin {
  /** The Host header as received. */
  host: string | undefined
  /** X-Forwarded-Proto, when a proxy sets it. */
  forwardedProto: string | string[] | undefined
  /** The scheme of the connection itself. */
  protocol: string
}

/** The base for every `url`, `links.*` and `meta.*_url`: no trailing slash. */
export function publicBaseUrl (origin: RequestOrigin, configured: string | undefined): string {
  if (configured !== undefined) return configured
  const forwarded = Array.isArray(origin.forwardedProto) ? origin.forwardedProto[0] : origin.forwardedProto
  const proto = forwarded?.split(',')[0]?.trim().toLowerCase()
  const scheme = proto === 'https' || proto === 'http' ? proto : origin.protocol
  const host = origin.host !== undefined && /^[A-Za-z0-9.\-[\]:]+$/.test(origin.host) ? origin.host : 'localhost'
  return `${scheme}://${host}`
}
