// Issues token pairs: a session row, an access JWT naming it, and an opaque refresh token kept only as a hash.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import type { TokenPair } from '../schemas/users.js'

declare module 'fastify' {
  interface FastifyInstance {
    tokens: {
      issueForNewSession: (userId: string) => Promise<TokenPair>
    }
  }
}

export function hashRefreshToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export default fp(async function tokens (fastify) {
  const { accessTokenTtl, refreshTokenTtl } = fastify.config

  async function signAccessToken (userId: string, sessionId: string): Promise<string> {
    const key = await fastify.signingKeys.current()
    return fastify.jwt.sign(
      { sub: userId, sid: sessionId, jti: randomUUID() },
      { key: key.signingKey, kid: key.kid }
    )
  }

  async function issueForNewSession (userId: string): Promise<TokenPair> {
    const sessionId = randomUUID()
    const refreshToken = randomBytes(32).toString('base64url')
    await fastify.sessions.create({
      id: sessionId,
      userId,
      expiresAt: new Date(Date.now() + refreshTokenTtl * 1000).toISOString(),
      refreshTokenHash: hashRefreshToken(refreshToken)
    })
    return {
      access_token: await signAccessToken(userId, sessionId),
      token_type: 'Bearer',
      expires_in: accessTokenTtl,
      refresh_token: refreshToken
    }
  }

  fastify.decorate('tokens', { issueForNewSession })
}, { name: 'tokens', dependencies: ['config', 'auth', 'signing-keys', 'sessions-repository'] })
