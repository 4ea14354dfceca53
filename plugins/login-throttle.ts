// Failed logins per username *and* client address: guessing one account is slowed down, while the real user,
// logging in from their own address, is never locked out by someone else's failures.
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { BoundedMap } from '../lib/bounded-map.js'

const WINDOW_MS = 15 * 60_000
// The in-process store forgets the oldest entries past this size, so junk usernames cannot grow memory without bound.
const MAX_LOCAL_ENTRIES = 100_000

export interface LoginThrottle {
  // Seconds until this username may be tried again from this address; 0 when it may be tried now.
  retryAfter: (username: string, ip: string) => Promise<number>
  recordFailure: (username: string, ip: string) => Promise<void>
  clear: (username: string, ip: string) => Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: LoginThrottle
  }
}

const keyOf = (username: string, ip: string) => `todo-login-failures:${username.toLowerCase()}:${ip}`

function localThrottle (limit: number): LoginThrottle {
  const failures = new BoundedMap<string, { count: number, expiresAt: number }>(MAX_LOCAL_ENTRIES)
  const current = (key: string) => {
    const entry = failures.get(key)
    if (entry !== undefined && entry.expiresAt <= Date.now()) failures.delete(key)
    return failures.get(key)
  }
  return {
    async retryAfter (username, ip) {
      const entry = current(keyOf(username, ip))
      return entry !== undefined && entry.count >= limit ? Math.ceil((entry.expiresAt - Date.now()) / 1000) : 0
    },
    async recordFailure (username, ip) {
      const key = keyOf(username, ip)
      const entry = current(key) ?? { count: 0, expiresAt: Date.now() + WINDOW_MS }
      entry.count++
      failures.set(key, entry)
    },
    async clear (username, ip) {
      failures.delete(keyOf(username, ip))
    }
  }
}

// Shared by every instance; when Redis is away the throttle fails open, like the rate limits.
function redisThrottle (redis: Redis, limit: number, onError: (error: unknown) => void): LoginThrottle {
  return {
    async retryAfter (username, ip) {
      try {
        const key = keyOf(username, ip)
        const [count, ttl] = await Promise.all([redis.get(key), redis.pttl(key)])
        return Number(count) >= limit && ttl > 0 ? Math.ceil(ttl / 1000) : 0
      } catch (error) {
        onError(error)
        return 0
      }
    },
    async recordFailure (username, ip) {
      try {
        const key = keyOf(username, ip)
        if (await redis.incr(key) === 1) await redis.pexpire(key, WINDOW_MS)
      } catch (error) {
        onError(error)
      }
    },
    async clear (username, ip) {
      await redis.del(keyOf(username, ip)).catch(onError)
    }
  }
}

const unlimited: LoginThrottle = { retryAfter: async () => 0, recordFailure: async () => {}, clear: async () => {} }

export default fp(async function loginThrottle (fastify) {
  const { loginFailureLimit } = fastify.config
  const onError = (error: unknown) => fastify.log.warn({ err: error }, 'login throttle unavailable; failing open')
  let throttle = unlimited
  if (loginFailureLimit > 0) throttle = fastify.redis === undefined ? localThrottle(loginFailureLimit) : redisThrottle(fastify.redis, loginFailureLimit, onError)
  fastify.decorate('loginThrottle', throttle)
}, { name: 'login-throttle', dependencies: ['config', 'redis'] })
