// Building JSON text by hand for the hot responses (executions and their lists), faster than generic serializers.

/** Characters that need escaping in a JSON string (and lone surrogates, which JSON.stringify escapes). */
const UNSAFE = /["\\\u0000-\u001f\ud800-\udfff]/ // eslint-disable-line no-control-regex

/** A string as a JSON string literal: quoted as is when nothing needs escaping, else by JSON.stringify. */
export function jsonString (s: string): string {
  return UNSAFE.test(s) ? JSON.stringify(s) : `"${s}"`
}

export function jsonNullableString (s: string | null): string {
  return s === null ? 'null' : jsonString(s)
}
