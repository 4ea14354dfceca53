// GET /health: the process is alive (no dependency is checked); never shed, so a busy instance is not restarted.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponse } from '../../schemas/common.js'

const health: FastifyPluginAsyncTypebox = async function health (fastify) {
  fastify.get('', {
    // Load balancers poll these; they are never rate limited.
    config: { rateLimit: false, neverShed: true },
    schema: {
      summary: 'Liveness',
      description: '200 while the process lives; no dependency is checked, and it is never rate limited or shed under load. Takes no query.',
      tags: ['operations'],
      response: {
        200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, examples: [{ status: 'ok' }] }),
        400: errorResponse(['validation_error'])
      }
    }
  }, async function reportAlive () {
    return { status: 'ok' as const }
  })
}

export default health
