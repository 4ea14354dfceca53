// Per-client request limits, counted FIRST on every request: before authentication, body parsing and validation,
// and on unknown routes too, so a refused request counts like any other and an over-limit client costs no token
// check. RATE_LIMIT_GLOBAL a minute on every route but the probes (/health, /ready, /metrics), and RATE_LIMIT_AUTH a
// minute more on each route that checks a credential (argon2 or a refresh token). With REDIS_URL the counts are
// shared by every instance; without it, or while Redis does not answer (plugins/redis.ts), the instance counts alone,
// in the primary's memory for all its workers when WORKERS>1 (lib/limits/cluster-limits.ts); never off.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { ApiError } from '../lib/api-error.js'
import { clientKey } from '../lib/limits/client-key.js'
import { FallbackLimiter, type SharedStore } from '../lib/limits/fallback-limiter.js'
import { serviceLimits } from '../lib/limits/service-limits.js'

declare module 'fastify' {
  interface FastifyInstance {
    // Route config for the credential routes; undefined when RATE_LIMIT_AUTH=0 (only the global limit applies).
    authRateLimit: FallbackLimiter | undefined
  }
  interface FastifyContextConfig {
    // false: never limited (the probes); a limiter: counted there too, per route, on top of the global limit.
    rateLimit?: FallbackLimiter | false
  }
}

// The IETF draft's RateLimit-* fields (draft-ietf-httpapi-ratelimit-headers), and Retry-After when refused.
function describeAllowance (reply: FastifyReply, limiter: FallbackLimiter, count: RateLimiterRes): number {
  const resetSeconds = Math.max(1, Math.ceil(count.msBeforeNext / 1000))
  reply.header('ratelimit-limit', limiter.points)
  reply.header('ratelimit-remaining', count.remainingPoints)
  reply.header('ratelimit-reset', resetSeconds)
  return resetSeconds
}

async function countAgainst (limiter: FallbackLimiter, key: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  try {
    describeAllowance(reply, limiter, await limiter.count(key))
  } catch (refusal) {
    if (!(refusal instanceof RateLimiterRes)) throw refusal
    const retryAfter = describeAllowance(reply, limiter, refusal)
    reply.header('retry-after', retryAfter)
    request.log.warn({ event: 'rate_limited', ip: request.ip, route: request.routeOptions.url }, 'rate limit reached')
    throw new ApiError(429, 'rate_limited', `Too many requests; retry in ${retryAfter} s`)
  }
}

export default fp(async function rateLimits (fastify) {
  const limits = serviceLimits(fastify.config)
  const { redis, redisFallback } = fastify
  const store: SharedStore | undefined = redis === undefined || redisFallback === undefined ? undefined : { redis, fallback: redisFallback }
  const globalLimit = limits.global === undefined ? undefined : new FallbackLimiter(limits.global, store)
  const authLimit = limits.auth === undefined ? undefined : new FallbackLimiter(limits.auth, store)

  // Added at the root before any other onRequest hook (plugins/http-safety.ts depends on this plugin; route and
  // folder hooks such as authentication always run after root ones), so it runs first on every route and on 404s.
  async function count (request: FastifyRequest, reply: FastifyReply, routeLimit: FallbackLimiter | undefined): Promise<void> {
    const client = clientKey(request.ip)
    if (globalLimit !== undefined) await countAgainst(globalLimit, client, request, reply)
    if (routeLimit !== undefined) await countAgainst(routeLimit, `${request.routeOptions.url ?? ''}:${client}`, request, reply)
  }

  // A callback hook, so that a request no limit applies to (limits set to 0, the probes) costs no promise.
  fastify.addHook('onRequest', function countRequest (request, reply, done) {
    const routeLimit = request.routeOptions.config.rateLimit
    if (routeLimit === false || (globalLimit === undefined && routeLimit === undefined)) return done()
    count(request, reply, routeLimit).then(() => done(), done)
  })

  fastify.decorate('authRateLimit', authLimit)
}, { name: 'rate-limit', dependencies: ['config', 'redis'] })
