// POST /register: a new normal user with an argon2id-hashed password.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../lib/api-error.js'
import { assertAcceptablePassword } from '../../lib/auth/password-policy.js'
import { errorResponses } from '../../schemas/common.js'
import { RegisterBodySchema, UserSchema } from '../../schemas/users.js'
import { toUser } from '../../plugins/repositories/users.js'

const register: FastifyPluginAsyncTypebox = async function register (fastify) {
  fastify.post('', {
    config: { rateLimit: fastify.authRateLimit },
    // The password slot is taken once the body has arrived (in time) and is valid: trickling bodies hold none.
    preParsing: fastify.passwords.readBodyInTime,
    preHandler: fastify.passwords.admit,
    schema: {
      summary: 'Register a new user',
      description: 'Usernames are unique without regard to case (409 username_taken). A commonly used password is refused (400 weak_password).',
      tags: ['auth'],
      body: RegisterBodySchema,
      response: { 201: Type.Ref(UserSchema), ...errorResponses('weak_password', 'username_taken', 'request_timeout') }
    }
  }, async function registerUser (request, reply) {
    const { username, password, name } = request.body
    assertAcceptablePassword(password, username)
    // Checked first only to spare an argon2 hash; the unique index still decides concurrent registrations.
    if (await fastify.users.findByUsername(username) !== undefined) {
      throw new ApiError(409, 'username_taken', `The username "${username}" is already taken`)
    }
    const user = await fastify.users.create({ username, name, passwordHash: await fastify.passwords.hash(password, request), role: 'normal' })
    request.log.info({ event: 'user_registered', userId: user.id }, 'user registered')
    return reply.code(201).send(toUser(user))
  })
}

export default register
