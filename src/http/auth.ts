// HTTP Basic credentials → the calling account: AC…/auth token, or SK…/secret acting for its account.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { Config } from '../types.js'
import { authenticationFailed } from '../twilio/errors.js'
import type { Caller } from '../types.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller
  }
}

interface Credential {
  secretDigest: Buffer
  caller: Caller
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()
/** Compared against when the username is unknown, so a miss costs the same time as a wrong secret. */
const NO_SUCH_USER = digest('\0no such user\0')

/** Builds the validate function for @fastify/basic-auth from the configured accounts and API keys. */
export function credentialValidator (config: Pick<Config, 'accounts' | 'apiKeys'>) {
  const credentials = new Map<string, Credential>()
  for (const a of config.accounts) {
    credentials.set(a.sid, { secretDigest: digest(a.authToken), caller: { accountSid: a.sid, principalSid: a.sid } })
  }
  for (const k of config.apiKeys) {
    credentials.set(k.sid, { secretDigest: digest(k.secret), caller: { accountSid: k.accountSid, principalSid: k.sid } })
  }

  return async function validate (username: string, password: string, request: FastifyRequest): Promise<void> {
    const credential = credentials.get(username)
    // Digests have equal length, so timingSafeEqual never throws and leaks neither length nor content.
    const matches = timingSafeEqual(digest(password), credential?.secretDigest ?? NO_SUCH_USER)
    if (credential === undefined) throw authenticationFailed('unknown-username')
    if (!matches) throw authenticationFailed('wrong-secret')
    request.caller = credential.caller
  }
}
