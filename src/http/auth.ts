// HTTP Basic credentials → the calling account: AC…/auth token, or SK…/secret acting for its account.
import { timingSafeEqual } from 'node:crypto'
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
  secret: Buffer
  caller: Caller
}

/** Compared against when the username is unknown, so a miss costs the same time as a wrong secret. */
const NO_SUCH_USER = Buffer.alloc(32)

/**
 * Whether `given` is `secret`, in time that depends only on their lengths: timingSafeEqual needs equal lengths, so a
 * given secret of another length is compared with itself and refused. The length is all it can tell, and Twilio's
 * auth tokens and API key secrets all have the same, public one (32 characters). A SHA-256 of both would hide the
 * length too, at about a tenth of a fetch's CPU time.
 */
function sameSecret (given: Buffer, secret: Buffer): boolean {
  if (given.length !== secret.length) {
    timingSafeEqual(given, given)
    return false
  }
  return timingSafeEqual(given, secret)
}

type Done = (err?: Error) => void

/**
 * Builds the validate function for @fastify/basic-auth from the configured accounts and API keys. It answers through
 * `done` (not a promise), so an authenticated request costs no extra turn of the event loop.
 */
export function credentialValidator (config: Pick<Config, 'accounts' | 'apiKeys'>) {
  const credentials = new Map<string, Credential>()
  for (const a of config.accounts) {
    credentials.set(a.sid, { secret: Buffer.from(a.authToken, 'utf8'), caller: { accountSid: a.sid, principalSid: a.sid } })
  }
  for (const k of config.apiKeys) {
    credentials.set(k.sid, { secret: Buffer.from(k.secret, 'utf8'), caller: { accountSid: k.accountSid, principalSid: k.sid } })
  }

  return function validate (username: string, password: string, request: FastifyRequest, _reply: unknown, done: Done): void {
    const credential = credentials.get(username)
    const matches = sameSecret(Buffer.from(password, 'utf8'), credential?.secret ?? NO_SUCH_USER)
    if (credential === undefined) { done(authenticationFailed('unknown-username')); return }
    if (!matches) { done(authenticationFailed('wrong-secret')); return }
    request.caller = credential.caller
    done()
  }
}
