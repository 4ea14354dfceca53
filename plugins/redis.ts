// The optional Redis connection (REDIS_URL) that shares the limits' counters between instances; fastify.redis is
// undefined without it. No request ever waits on Redis for long: every command and the connection are bounded, and
// while Redis does not answer, fastify.redisFallback is active and the limits count in this process (never off).
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { RedisFallback } from '../lib/limits/redis-fallback.js'

// A healthy Redis answers in a millisecond; past these a request counts locally instead of waiting.
const COMMAND_TIMEOUT_MS = 1000
const CONNECT_TIMEOUT_MS = 1000
const MAX_RECONNECT_DELAY_MS = 2000

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | undefined
    redisFallback: RedisFallback | undefined
  }
}

export default fp(async function redisConnection (fastify) {
  const { redisUrl } = fastify.config
  if (redisUrl === undefined) {
    fastify.decorate('redis', undefined)
    fastify.decorate('redisFallback', undefined)
    return
  }
  // Imported only when configured: an instance without Redis does not carry the client (3 MB of memory).
  const { Redis } = await import('ioredis')
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Commands fail at once while disconnected instead of queueing, and are never replayed after a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS)
  })
  const fallback = new RedisFallback(async () => await redis.ping(), fastify.log)
  // ioredis reports every failed reconnect here; the fallback logs only the switch.
  redis.on('error', (error) => fallback.enter(error))
  await redis.connect().catch((error) => fallback.enter(error))
  fastify.addHook('onClose', async function closeRedis () {
    fallback.close()
    redis.disconnect()
  })
  fastify.decorate('redis', redis)
  fastify.decorate('redisFallback', fallback)
}, { name: 'redis', dependencies: ['config'] })
