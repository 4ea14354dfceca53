// GET /profile: the user the access token belongs to; PUT /profile/password: change it, ending other sessions.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../lib/api-error.js'
import { assertAcceptablePassword } from '../../lib/auth/password-policy.js'
import { contentEntityTag } from '../../lib/http/entity-tags.js'
import { sendRepresentation, serialized } from '../../lib/http/representation.js'
import { errorResponses, NoContentSchema, withHeaders } from '../../schemas/common.js'
import { TOKEN_REFUSALS } from '../../schemas/error-codes.js'
import { CacheControlHeaderSchema, ConditionalReadHeadersSchema, EntityTagHeaderSchema, NotModifiedSchema } from '../../schemas/conditional.js'
import { ChangePasswordBodySchema, UserSchema } from '../../schemas/users.js'

const profile: FastifyPluginAsyncTypebox = async function profile (fastify) {
  fastify.addHook('onRequest', fastify.authenticate)

  fastify.get('', {
    schema: {
      summary: 'The current user',
      description: 'The user the access token belongs to.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      headers: ConditionalReadHeadersSchema,
      response: { 200: withHeaders(Type.Ref(UserSchema), { etag: EntityTagHeaderSchema, 'cache-control': CacheControlHeaderSchema }), 304: NotModifiedSchema, ...errorResponses(...TOKEN_REFUSALS) }
    }
  }, async function showProfile (request, reply) {
    // Tagged by its bytes, so a rename or a role change gives a new ETag.
    const body = serialized(reply, request.user)
    return sendRepresentation(request, reply, body, contentEntityTag(body))
  })

  fastify.put('/password', {
    // A guess at the current password costs an argon2 verify: the credential routes' limit applies.
    config: { rateLimit: fastify.authRateLimit },
    // The password slot is taken once the body has arrived (in time) and is valid: trickling bodies hold none.
    preParsing: fastify.passwords.readBodyInTime,
    preHandler: fastify.passwords.admit,
    schema: {
      summary: 'Change your password; every other session ends',
      description: 'Needs the current password. Every other session of the user ends, including sessions still being opened with the old password.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      body: ChangePasswordBodySchema,
      response: { 204: NoContentSchema, ...errorResponses(...TOKEN_REFUSALS, 'invalid_credentials', 'weak_password', 'request_timeout') }
    }
  }, async function changePassword (request, reply) {
    const { currentPassword, newPassword } = request.body
    const user = await fastify.users.findById(request.user.id)
    // Wrong guesses count against the same per-account limit as failed logins.
    if (user === undefined || !await fastify.loginThrottle.checkPassword(user.username, request.ip, reply, () => fastify.passwords.verify(user.password_hash, currentPassword, request))) {
      request.log.info({ event: 'password_change_refused', userId: request.user.id }, 'password change refused: wrong current password')
      throw new ApiError(401, 'invalid_credentials', 'The current password is wrong')
    }
    assertAcceptablePassword(newPassword, user.username)
    // Logins still verifying the old password lose their race: their credential version is no longer the user's.
    if (!await fastify.users.changePassword(user.id, user.credential_version, await fastify.passwords.hash(newPassword, request), request.user.sessionId)) {
      throw new ApiError(401, 'invalid_credentials', 'The password was changed meanwhile; the current password is wrong')
    }
    request.log.info({ event: 'password_changed', userId: user.id }, 'password changed; other sessions revoked')
    return reply.code(204).send(null)
  })
}

export default profile
