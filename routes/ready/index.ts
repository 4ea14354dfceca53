// GET /ready: 200 while the database answers, 503 while it does not.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import { ApiError } from '../../lib/api-error.js'
import { errorResponses } from '../../schemas/common.js'

const ready: FastifyPluginAsyncTypebox = async function ready (fastify) {
  fastify.get('', {
    // Load balancers poll these; they are never rate limited.
    config: { rateLimit: false },
    schema: {
      summary: 'Readiness: the database answers',
      description: '200 while the database answers and the instance takes traffic; 503 with Retry-After otherwise, and from the first moment of a graceful shutdown. Never rate limited.',
      tags: ['operations'],
      response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, examples: [{ status: 'ok' }] }), ...errorResponses(503) }
    }
  }, async function checkDatabase (request) {
    try {
      await sql`select 1`.execute(fastify.db)
    } catch (error) {
      request.log.warn({ err: error }, 'database unreachable')
      throw new ApiError(503, 'service_unavailable', 'The database does not answer')
    }
    return { status: 'ok' as const }
  })
}

export default ready
