// GET /profile: the user the access token belongs to, as stored now.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses } from '../../schemas/common.js'
import { UserSchema } from '../../schemas/users.js'

const profile: FastifyPluginAsyncTypebox = async function profile (fastify) {
  fastify.get('/', {
    onRequest: fastify.authenticate,
    schema: {
      summary: 'The current user',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: Type.Ref(UserSchema), ...errorResponses(401, 403) }
    }
  }, async function showProfile (request) {
    return request.user
  })
}

export default profile
