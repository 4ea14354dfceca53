// Per-client request limits: a generous global one, and RATE_LIMIT_AUTH a minute on each of /register, /login and /refresh.
// With REDIS_URL the counters are shared by every instance; without it each process counts alone.
import fp from 'fastify-plugin'
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import { ApiError } from '../lib/api-error.js'

declare module 'fastify' {
  interface FastifyInstance {
    // Route config for the credential endpoints; undefined when RATE_LIMIT_AUTH=0 (only the global limit applies).
    authRateLimit: RateLimitOptions | undefined
  }
}

export default fp(async function rateLimits (fastify) {
  const { rateLimitAuth, rateLimitGlobal } = fastify.config

  await fastify.register(rateLimit, {
    global: rateLimitGlobal > 0,
    max: rateLimitGlobal,
    timeWindow: '1 minute',
    redis: fastify.redis,
    nameSpace: 'todo-rate-limit-',
    // The IETF RateLimit-* fields, which the OpenAPI document declares on every rate-limited operation.
    enableDraftSpec: true,
    // Fail open: a Redis outage must not take logins down with it (argon2 and the per-username limit still slow guessing).
    skipOnError: true,
    errorResponseBuilder (_request, context) {
      return new ApiError(429, 'rate_limited', `Too many requests; retry in ${context.after}`)
    },
    onExceeded (request) {
      request.log.warn({ event: 'rate_limited', ip: request.ip, route: request.routeOptions.url }, 'rate limit reached')
    }
  })

  fastify.decorate('authRateLimit', rateLimitAuth > 0 ? { max: rateLimitAuth, timeWindow: '1 minute' } : undefined)
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
