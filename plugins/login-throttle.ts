// Failed password checks per username *and* client address (LOGIN_FAILURE_LIMIT in 15 minutes): guessing one account
// is stopped, while the real user, from their own address, is never locked out by someone else's failures.
// Each check takes its attempt from the allowance atomically *before* the slow argon2 verify, so however many guesses
// arrive at once, at most LOGIN_FAILURE_LIMIT get an answer; the others are refused with 429 at once.
import fp from 'fastify-plugin'
import type { FastifyReply } from 'fastify'
import { RateLimiterRes } from 'rate-limiter-flexible'
import { ApiError } from '../lib/api-error.js'
import { clientKey } from '../lib/limits/client-key.js'
import { FallbackLimiter } from '../lib/limits/fallback-limiter.js'
import { serviceLimits } from '../lib/limits/service-limits.js'

export interface LoginThrottle {
  // Runs verify when this username and address have an attempt left, else answers 429 with Retry-After.
  // A wrong password keeps the attempt spent; the right one clears the count; an error gives the attempt back.
  checkPassword: (username: string, ip: string, reply: FastifyReply, verify: () => Promise<boolean>) => Promise<boolean>
}

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

const keyOf = (username: string, ip: string) => `${username.toLowerCase()}:${clientKey(ip)}`

function throttle (failures: FallbackLimiter): LoginThrottle {
  return {
    async checkPassword (username, ip, reply, verify) {
      const key = keyOf(username, ip)
      try {
        await failures.consume(key)
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal
        reply.header('retry-after', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))))
        reply.log.warn({ event: 'login_throttled', username, ip }, 'too many failed password checks')
        throw new ApiError(429, 'rate_limited', 'Too many failed logins for this account from your address; try again later')
      }
      let matches: boolean
      try {
        matches = await verify()
      } catch (error) {
        await failures.reward(key)
        throw error
      }
      if (matches) await failures.delete(key)
      return matches
    }
  }
}

const unlimited: LoginThrottle = { checkPassword: async (_username, _ip, _reply, verify) => await verify() }

export default fp(async function loginThrottle (fastify) {
  const { loginFailures } = serviceLimits(fastify.config)
  const { redis, redisFallback } = fastify
  const store = redis === undefined || redisFallback === undefined ? undefined : { redis, fallback: redisFallback }
  fastify.decorate('loginThrottle', loginFailures === undefined ? unlimited : throttle(new FallbackLimiter(loginFailures, store)))
}, { name: 'login-throttle', dependencies: ['config', 'redis'] })
