// Per-client request limits: a generous global one, and RATE_LIMIT_AUTH a minute on each of /register, /login and /refresh.
// With REDIS_URL the counters are shared by every instance; without it each process counts alone.
import fp from 'fastify-plugin'
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import { Redis } from 'ioredis'
import { ApiError } from '../lib/api-error.js'

declare module 'fastify' {
  interface FastifyInstance {
    // Route config for the credential endpoints; undefined when RATE_LIMIT_AUTH=0 (only the global limit applies).
    authRateLimit: RateLimitOptions | undefined
  }
}

export default fp(async function rateLimits (fastify) {
  const { rateLimitAuth, rateLimitGlobal, redisUrl } = fastify.config

  let redis: Redis | undefined
  if (redisUrl !== undefined) {
    // Fail fast while Redis is away (no offline queue, one retry), so requests are not held up waiting for it.
    redis = new Redis(redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true })
    redis.on('error', (error) => fastify.log.warn({ err: error }, 'redis unavailable; rate limits fail open'))
    await redis.connect().catch((error) => fastify.log.warn({ err: error }, 'redis unreachable at start; rate limits fail open until it answers'))
    fastify.addHook('onClose', async function closeRedis () {
      redis?.disconnect()
    })
  }

  await fastify.register(rateLimit, {
    global: rateLimitGlobal > 0,
    max: rateLimitGlobal,
    timeWindow: '1 minute',
    redis,
    nameSpace: 'todo-rate-limit-',
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
}, { name: 'rate-limit', dependencies: ['config'] })
