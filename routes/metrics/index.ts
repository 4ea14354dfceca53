// GET /metrics: the Prometheus text exposition of this instance's metrics (see plugins/metrics.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errorResponses } from '../../schemas/common.js'

const metrics: FastifyPluginAsyncTypebox = async function metrics (fastify) {
  fastify.get('', {
    // Scrapers poll this; it is never rate limited.
    // Monitoring must see an overload, so it is never shed either.
    config: { rateLimit: false, neverShed: true },
    schema: {
      summary: 'Prometheus metrics',
      description: 'Requests and latency by route and status, logins, refresh-token reuse, rate-limit rejections, the database pool, and the process. Serve it only to the monitoring network.',
      tags: ['operations'],
      response: {
        200: {
          description: 'Prometheus text exposition format 0.0.4',
          content: {
            'text/plain': {
              schema: {
                type: 'string',
                examples: ['# HELP http_requests_total HTTP requests answered, by method, route pattern and status code\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/todo",status_code="200"} 3\n']
              }
            }
          }
        },
        ...errorResponses()
      }
    }
  }, async function exposeMetrics (_request, reply) {
    return await reply.type(fastify.metrics.contentType).send(await fastify.scrapeMetrics())
  })
}

export default metrics
