// POST /refresh: trades a refresh token for a new pair and spends it (rotation with reuse detection).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../schemas/common.js'
import { RefreshBodySchema } from '../../schemas/sessions.js'
import { TokenPairResponseSchema } from '../../schemas/users.js'

const refresh: FastifyPluginAsyncTypebox = async function refresh (fastify) {
  fastify.post('', {
    config: { rateLimit: fastify.authRateLimit },
    schema: {
      summary: 'Exchange a refresh token for a new token pair',
      description: 'Each refresh token works once. Presenting a spent one answers 401 refresh_token_reused and ends the whole session.',
      tags: ['auth'],
      body: RefreshBodySchema,
      response: { 200: TokenPairResponseSchema, ...errorResponses('invalid_token', 'token_expired', 'token_revoked', 'refresh_token_reused', 'account_disabled') }
    }
  }, async function refreshTokens (request, reply) {
    const tokens = await fastify.tokens.rotate(request.body.refresh_token, request.log)
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(tokens)
  })
}

export default refresh
