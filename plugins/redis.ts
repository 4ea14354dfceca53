// The optional Redis connection (REDIS_URL) that shares counters between instances; fastify.redis is undefined without it.
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis | undefined
  }
}

export default fp(async function redisConnection (fastify) {
  const { redisUrl } = fastify.config
  if (redisUrl === undefined) {
    fastify.decorate('redis', undefined)
    return
  }
  // Fail fast while Redis is away (no offline queue, one retry), so requests are never held up waiting for it.
  const redis = new Redis(redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true })
  redis.on('error', (error) => fastify.log.warn({ err: error }, 'redis unavailable; shared limits fail open'))
  await redis.connect().catch((error) => fastify.log.warn({ err: error }, 'redis unreachable at start; shared limits fail open until it answers'))
  fastify.addHook('onClose', async function closeRedis () {
    redis.disconnect()
  })
  fastify.decorate('redis', redis)
}, { name: 'redis', dependencies: ['config'] })
