// GET /ready: 200 while the database answers and takes writes, 503 while it does not (within a bound of its own).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ApiError, ShedError } from '../../lib/api-error.js'
import { errorResponses } from '../../schemas/common.js'

const ready: FastifyPluginAsyncTypebox = async function ready (fastify) {
  // Load balancers poll every few seconds: an outage is logged when it starts and when it ends, not on every poll.
  let databaseAway = false

  fastify.get('', {
    // Load balancers poll these; they are never rate limited. Under load it answers for itself (503), below.
    config: { rateLimit: false, neverShed: true },
    schema: {
      summary: 'Readiness: the database answers',
      description: '200 while the database answers and the instance takes traffic; 503 with Retry-After otherwise, and from the first moment of a graceful shutdown. Never rate limited.',
      tags: ['operations'],
      response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, examples: [{ status: 'ok' }] }), ...errorResponses() }
    }
  }, async function checkReadiness (request) {
    if (fastify.drain.active) throw new ShedError('The service is shutting down')
    // Sustained overload (under-pressure's sampled event-loop lag): the load balancer should send traffic elsewhere.
    if (fastify.hasDecorator('isUnderPressure') && fastify.isUnderPressure()) throw new ShedError('The service is overloaded')
    try {
      await fastify.checkDatabase()
    } catch (error) {
      if (!databaseAway) request.log.warn({ err: error }, 'database unreachable')
      databaseAway = true
      throw new ApiError(503, 'service_unavailable', 'The database does not answer')
    }
    if (databaseAway) request.log.info('database answers again')
    databaseAway = false
    return { status: 'ok' as const }
  })
}

export default ready
