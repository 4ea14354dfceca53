// Issues and rotates token pairs: a session row, an access JWT naming it, an opaque refresh token kept only as a hash.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { createSigner } from 'fast-jwt'
import type { FastifyBaseLogger } from 'fastify'
import { ApiError } from '../lib/api-error.js'
import type { TokenPair } from '../schemas/users.js'
import type { SigningKey } from './signing-keys.js'

type Signer = (payload: Record<string, unknown>) => string

declare module 'fastify' {
  interface FastifyInstance {
    tokens: {
      issueForNewSession: (userId: string, credentialVersion: number) => Promise<TokenPair>
      rotate: (refreshToken: string, log: FastifyBaseLogger) => Promise<TokenPair>
    }
  }
}

export function hashRefreshToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function newRefreshToken (): string {
  return randomBytes(32).toString('base64url')
}

export default fp(async function tokens (fastify) {
  const { accessTokenTtl, refreshTokenTtl } = fastify.config
  const { sessions } = fastify

  // One signer per key, made with the sign options given to @fastify/jwt: its sign(payload, { key }) makes a
  // new signer, parsing the key, on every call, which cost a tenth of a login (npm run bench, scenario 2).
  const signers = new Map<string, Signer>()
  function signerFor (key: SigningKey): Signer {
    let signer = signers.get(key.kid)
    if (signer === undefined) {
      const { algorithm, header, iss, aud } = fastify.jwt.options.sign
      // No expiresIn: each token's exp is given, so that it never outlives its session (accessTokenExpiry).
      signer = createSigner({ algorithm, header, iss, aud, key: key.signingKey, kid: key.kid })
      signers.set(key.kid, signer)
    }
    return signer
  }

  async function pair (userId: string, sessionId: string, refreshToken: string, sessionExpiresAt: string): Promise<TokenPair> {
    const sign = signerFor(await fastify.signingKeys.current())
    const now = Math.floor(Date.now() / 1000)
    // An access token ends with its session at the latest: a late refresh gets a shorter one.
    const exp = Math.max(now, Math.min(now + accessTokenTtl, Math.floor(Date.parse(sessionExpiresAt) / 1000)))
    return {
      access_token: sign({ sub: userId, sid: sessionId, jti: randomUUID(), exp }),
      token_type: 'Bearer',
      expires_in: exp - now,
      refresh_token: refreshToken
    }
  }

  // The session opens only if the user's credentials are still the verified ones (credentialVersion): a login that
  // loses a race with a password change, reset, disable or deletion answers like a wrong password.
  async function issueForNewSession (userId: string, credentialVersion: number): Promise<TokenPair> {
    const sessionId = randomUUID()
    const refreshToken = newRefreshToken()
    const expiresAt = new Date(Date.now() + refreshTokenTtl * 1000).toISOString()
    const opened = await sessions.create({ id: sessionId, userId, credentialVersion, expiresAt, refreshTokenHash: hashRefreshToken(refreshToken) })
    if (!opened) throw new ApiError(401, 'invalid_credentials', 'Wrong username or password')
    return await pair(userId, sessionId, refreshToken, expiresAt)
  }

  // A spent token presented again means two parties hold it: the whole session (token family) ends.
  async function rotate (refreshToken: string, log: FastifyBaseLogger): Promise<TokenPair> {
    const spentHash = hashRefreshToken(refreshToken)
    const record = await sessions.findRefreshToken(spentHash)
    if (record === undefined) throw new ApiError(401, 'invalid_token', 'The refresh token is not valid')
    if (record.disabled !== 0) throw new ApiError(403, 'account_disabled', 'This account is disabled')
    // A session opened before the user's last password change, reset, disable or "end all sessions" is over.
    if (record.sessionRevokedAt !== null || record.sessionCredentialVersion !== record.credentialVersion) {
      throw new ApiError(401, 'token_revoked', 'The session of this refresh token has ended')
    }
    if (record.sessionExpiresAt <= new Date().toISOString()) throw new ApiError(401, 'token_expired', 'The refresh token has expired; log in again')

    const nextToken = newRefreshToken()
    const outcome = record.usedAt === null ? await sessions.rotateRefreshToken(record.sessionId, spentHash, hashRefreshToken(nextToken)) : 'reused'
    if (outcome === 'gone') throw new ApiError(401, 'invalid_token', 'The refresh token is not valid')
    if (outcome === 'reused') {
      await sessions.revoke(record.sessionId)
      log.warn({ event: 'refresh_token_reused', userId: record.userId, sessionId: record.sessionId }, 'spent refresh token presented again; session revoked')
      throw new ApiError(401, 'refresh_token_reused', 'This refresh token was already used; the session has been ended')
    }
    log.info({ event: 'token_refreshed', userId: record.userId, sessionId: record.sessionId }, 'token pair rotated')
    return await pair(record.userId, record.sessionId, nextToken, record.sessionExpiresAt)
  }

  fastify.decorate('tokens', { issueForNewSession, rotate })
}, { name: 'tokens', dependencies: ['config', 'auth', 'signing-keys', 'sessions-repository'] })
