// POST /logout?scope=local|others|global: ends sessions at once, on every instance.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses, NoContentSchema } from '../../schemas/common.js'
import { TOKEN_REFUSALS } from '../../schemas/error-codes.js'
import { LogoutQuerySchema } from '../../schemas/sessions.js'

const logout: FastifyPluginAsyncTypebox = async function logout (fastify) {
  fastify.post('', {
    onRequest: fastify.authenticate,
    schema: {
      summary: 'Log out: end this session, the others, or all',
      description: '`scope` local (the default) ends the caller\'s session, others every other session of the user, global all of them, at once on every instance. Takes no body.',
      tags: ['auth'],
      security: [{ bearerAuth: [] }],
      querystring: LogoutQuerySchema,
      response: { 204: NoContentSchema, ...errorResponses(...TOKEN_REFUSALS) }
    }
  }, async function endSessions (request, reply) {
    const { scope = 'local' } = request.query
    await fastify.sessions.revokeForUser(request.user.id, request.user.sessionId, scope)
    request.log.info({ event: 'logout', userId: request.user.id, sessionId: request.user.sessionId, scope }, 'logged out')
    return reply.code(204).send(null)
  })
}

export default logout
