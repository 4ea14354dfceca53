// POST /login: checks the password and opens a session with a fresh token pair.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ApiError } from '../../lib/api-error.js'
import { errorResponses } from '../../schemas/common.js'
import { LoginBodySchema, TokenPairResponseSchema } from '../../schemas/users.js'

const login: FastifyPluginAsyncTypebox = async function login (fastify) {
  fastify.post('', {
    config: { rateLimit: fastify.authRateLimit },
    // The password slot is taken once the body has arrived (in time) and is valid: trickling bodies hold none.
    preParsing: fastify.passwords.readBodyInTime,
    preHandler: fastify.passwords.admit,
    schema: {
      summary: 'Log in and receive an access and a refresh token',
      description: 'Wrong username and wrong password are answered alike (401 invalid_credentials). Repeated failures for one username and address answer 429 with Retry-After until the window ends.',
      tags: ['auth'],
      body: LoginBodySchema,
      response: { 200: TokenPairResponseSchema, ...errorResponses('invalid_credentials', 'account_disabled', 'request_timeout') }
    }
  }, async function logIn (request, reply) {
    const { username, password } = request.body
    const user = await fastify.users.findByUsername(username)
    // An unknown user is checked against a dummy hash, so the answer and its timing reveal nothing.
    const passwordMatches = await fastify.loginThrottle.checkPassword(username, request.ip, reply, () => fastify.passwords.verify(user?.password_hash, password, request))
    if (user === undefined || !passwordMatches) {
      request.log.info({ event: 'login_failed', username }, 'login failed')
      throw new ApiError(401, 'invalid_credentials', 'Wrong username or password')
    }
    if (fastify.passwords.needsRehash(user.password_hash)) {
      // Hashes made with weaker parameters (or an older algorithm) are replaced while the password is at hand.
      await fastify.users.replacePasswordHash(user.id, user.credential_version, await fastify.passwords.hash(password, request))
      request.log.info({ event: 'password_rehashed', userId: user.id }, 'password hash upgraded')
    }
    if (user.disabled !== 0) {
      request.log.info({ event: 'login_refused_disabled', userId: user.id }, 'login refused: account disabled')
      throw new ApiError(403, 'account_disabled', 'This account is disabled')
    }
    // The credential version read with the verified hash: a password change meanwhile leaves this login without a session.
    const tokens = await fastify.tokens.issueForNewSession(user.id, user.credential_version)
    request.log.info({ event: 'login_succeeded', userId: user.id }, 'login succeeded')
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(tokens)
  })
}

export default login
