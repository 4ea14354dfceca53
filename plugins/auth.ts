// Access-token verification and the authenticate / authenticateOptional / requireAdmin hooks.
import fp from 'fastify-plugin'
import fastifyJwt from '@fastify/jwt'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { ApiError } from '../lib/api-error.js'
import { VerifiedTokens } from '../lib/auth/verified-tokens.js'
import { assertPermission, type PermissionGate } from './permissions.js'
import type { AuthenticatedUser } from '../schemas/users.js'
import type { SessionOwner } from './repositories/sessions.js'

export const ACCESS_TOKEN_TYPE = 'at+jwt'
const ACCESS_TOKEN_HEADERS = new Set(['alg', 'typ', 'kid'])
const MAX_TOKEN_LENGTH = 4096
const BEARER_JWS = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i
const CLOCK_TOLERANCE_MS = 5_000
const REMEMBERED_TOKENS = 10_000

export interface AccessTokenClaims {
  sub: string
  sid: string
  jti: string
  iss: string
  aud: string
  iat: number
  exp: number
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: Pick<AccessTokenClaims, 'sub' | 'sid' | 'jti'>
    user: AuthenticatedUser
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: onRequestHookHandler
    authenticateOptional: onRequestHookHandler
    requireAdmin: PermissionGate
  }
}

type RememberedClaims = Pick<AccessTokenClaims, 'sub' | 'sid' | 'exp'>

class UnknownKeyError extends Error {
  code = 'UNKNOWN_KID'
}

function isTokenError (error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && (code.startsWith('FST_JWT') || code.startsWith('FAST_JWT') || code === 'UNKNOWN_KID')
}

export default fp(async function auth (fastify) {
  const { jwtIssuer, jwtAudience, accessTokenTtl } = fastify.config
  const { signingKeys } = fastify
  const initialKey = await signingKeys.current()

  await fastify.register(fastifyJwt, {
    secret: {
      private: initialKey.signingKey,
      // Only our own keys, looked up by kid; headers that point elsewhere or add rules (jku, x5u, jwk, crit) are refused.
      public: async function verificationKey (_request: FastifyRequest, token: unknown) {
        const header = (token as { header?: Record<string, unknown> }).header ?? {}
        const kid = header.kid
        const onlyKnownHeaders = Object.keys(header).every((name) => ACCESS_TOKEN_HEADERS.has(name))
        const key = onlyKnownHeaders && typeof kid === 'string' ? await signingKeys.verificationKeyFor(kid) : undefined
        if (key === undefined) throw new UnknownKeyError('The token names no key of ours')
        return key
      }
    },
    decode: { complete: true },
    sign: { algorithm: signingKeys.algorithm, header: { alg: signingKeys.algorithm, typ: ACCESS_TOKEN_TYPE }, iss: jwtIssuer, aud: jwtAudience, expiresIn: accessTokenTtl },
    verify: {
      algorithms: [signingKeys.algorithm],
      allowedIss: jwtIssuer,
      allowedAud: jwtAudience,
      requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid'],
      checkTyp: ACCESS_TOKEN_TYPE,
      clockTolerance: CLOCK_TOLERANCE_MS
    }
  })

  // Safe to remember: revocation is decided by the session row checked on every request, never here; failures are not kept.
  const verifiedTokens = new VerifiedTokens<RememberedClaims>({ capacity: REMEMBERED_TOKENS, clockToleranceMs: CLOCK_TOLERANCE_MS })

  // The token of an Authorization header that is "Bearer" and a JWT of a sane size; refuses any other.
  function bearerToken (request: FastifyRequest): string {
    const header = request.headers.authorization
    if (header === undefined) throw new ApiError(401, 'invalid_token', 'This route needs an access token (Authorization: Bearer ...)')
    if (header.length > MAX_TOKEN_LENGTH + 7 || !BEARER_JWS.test(header)) {
      throw new ApiError(401, 'invalid_token', 'The Authorization header must be "Bearer" and a JWT')
    }
    return header.slice('Bearer '.length)
  }

  async function verifiedClaims (request: FastifyRequest, token: string): Promise<RememberedClaims> {
    try {
      const { sub, sid, exp } = await request.jwtVerify<AccessTokenClaims>()
      // Only what authenticate reads: up to REMEMBERED_TOKENS of them are held.
      const claims = { sub, sid, exp }
      verifiedTokens.remember(token, claims)
      verifiedTokens.seenOnConnection(request.raw.socket, request.headers.authorization as string, claims)
      return claims
    } catch (error) {
      if (!isTokenError(error)) throw error
      if ((error as { code?: string }).code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') {
        throw new ApiError(401, 'token_expired', 'The access token has expired')
      }
      throw new ApiError(401, 'invalid_token', 'The access token is invalid')
    }
  }

  // Lets the request in as the session's user, or refuses it: revoked, demoted, disabled and deleted act at once.
  function admit (request: FastifyRequest, reply: FastifyReply, claims: RememberedClaims, owner: SessionOwner | undefined): void {
    if (owner === undefined || owner.userId !== claims.sub) throw new ApiError(401, 'invalid_token', 'The access token is invalid')
    if (owner.disabled !== 0) throw new ApiError(403, 'account_disabled', 'This account is disabled')
    // Revoked, or opened before the user's last password change, reset, disable or "end all sessions".
    if (owner.revokedAt !== null || owner.sessionCredentialVersion !== owner.credentialVersion) {
      throw new ApiError(401, 'token_revoked', 'The session of this access token has ended')
    }
    if (Date.parse(owner.expiresAt) <= Date.now()) throw new ApiError(401, 'token_expired', 'The session of this access token has expired; log in again')
    request.user = {
      id: owner.userId,
      username: owner.username,
      name: owner.name,
      role: owner.role,
      createdAt: owner.createdAt,
      sessionId: owner.sessionId,
      tasksVersion: Number(owner.tasksVersion)
    }
    // Revalidate every time (ETag), and never in a shared cache.
    reply.header('cache-control', 'private, no-cache')
  }

  async function admitAfterReading (request: FastifyRequest, reply: FastifyReply, token: string, remembered: RememberedClaims | undefined): Promise<void> {
    const claims = remembered ?? await verifiedClaims(request, token)
    admit(request, reply, claims, await fastify.sessions.findWithOwner(claims.sid))
  }

  // Checks the session and its user on every request. A callback hook: a token verified before, whose session is
  // kept since the last commit (plugins/repositories/sessions.ts), is let in without a promise (measured with npm run bench).
  // The token of the connection's last request is known by its header alone; any other header is checked in full.
  const authenticate: onRequestHookHandler = function authenticate (request, reply, done) {
    const { socket } = request.raw
    let token = ''
    let claims = verifiedTokens.onConnection(socket, request.headers.authorization)
    if (claims === undefined) {
      token = bearerToken(request)
      claims = verifiedTokens.get(token)
      if (claims !== undefined) verifiedTokens.seenOnConnection(socket, request.headers.authorization as string, claims)
    }
    const kept = claims === undefined ? undefined : fastify.sessions.keptWithOwner(claims.sid)
    if (claims === undefined || kept === undefined) {
      admitAfterReading(request, reply, token, claims).then(() => { done() }, done)
      return
    }
    admit(request, reply, claims, kept)
    done()
  }

  // No Authorization header means anonymous; a header with a bad token is refused, never treated as anonymous.
  const authenticateOptional: onRequestHookHandler = function authenticateOptional (request, reply, done) {
    if (request.headers.authorization === undefined) {
      done()
      return
    }
    authenticate.call(fastify, request, reply, done)
  }

  // The admin gate of the design card: the admin:access permission, which the role table (plugins/permissions.ts) gives admins.
  const requireAdmin = Object.assign(async function requireAdmin (request: FastifyRequest) {
    assertPermission(request, 'admin:access', 'This needs the admin role')
  }, { permission: 'admin:access' as const })

  fastify.decorate('authenticate', authenticate)
  fastify.decorate('authenticateOptional', authenticateOptional)
  fastify.decorate('requireAdmin', requireAdmin)
}, { name: 'auth', dependencies: ['config', 'signing-keys', 'sessions-repository', 'sensible', 'permissions'] })
