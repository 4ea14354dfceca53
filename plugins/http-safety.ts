// Response headers for a JSON API (helmet), CORS only for the configured origins, and load shedding:
// 503 while the event loop lags, instead of queueing requests without bound.
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import cors from '@fastify/cors'
import underPressure from '@fastify/under-pressure'

export default fp(async function httpSafety (fastify) {
  const { corsOrigins, maxEventLoopDelayMs } = fastify.config

  // An API answers JSON only, so its responses may load nothing and be framed by nobody; Swagger UI sets its own policy.
  await fastify.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' }
  })

  if (corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['link', 'location', 'retry-after', 'x-request-id'],
      maxAge: 600
    })
  }

  if (maxEventLoopDelayMs > 0) {
    await fastify.register(underPressure, { maxEventLoopDelay: maxEventLoopDelayMs, retryAfter: 5 })
  }
// After rate-limit, whose hook must be the first to see every request.
}, { name: 'http-safety', dependencies: ['config', 'rate-limit'] })
