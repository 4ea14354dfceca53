// GET /admin_only: the tutorial's admin-gated greeting.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../schemas/common.js'
import { TOKEN_REFUSALS } from '../../schemas/error-codes.js'
import { MessageSchema } from '../../schemas/users.js'

const adminOnly: FastifyPluginAsyncTypebox = async function adminOnly (fastify) {
  fastify.get('', {
    onRequest: fastify.authenticate,
    preHandler: fastify.requireAdmin,
    schema: {
      summary: 'A route only admins may call',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      response: { 200: MessageSchema, ...errorResponses(...TOKEN_REFUSALS, 'forbidden') }
    }
  }, async function greetAdmin (request) {
    return { message: `Hello, admin ${request.user.username}` }
  })
}

export default adminOnly
