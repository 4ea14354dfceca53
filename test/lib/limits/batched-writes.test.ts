// The limits' Redis commands of one turn sent in one write (lib/limits/batched-writes.ts), on a redis-server of the
// test's own: concurrent counts from two instances never admit more than the allowance, and each count still gets
// its own answer for the RateLimit-* headers.
import { test } from 'tap'
import { Redis } from 'ioredis'
import { RateLimiterRes } from 'rate-limiter-flexible'
import type { FastifyBaseLogger } from 'fastify'
import { FallbackLimiter } from '../../../lib/limits/fallback-limiter.js'
import { RedisFallback } from '../../../lib/limits/redis-fallback.js'
import { redisServerMissing, startPrivateRedis, type PrivateRedis } from '../../private-redis.js'

const skip = redisServerMissing
const silent = { warn () {}, info () {} } as unknown as FastifyBaseLogger

// An instance's limit as plugins/redis.ts and plugins/rate-limit.ts make it: no offline queue, bounded commands.
async function instance (t: { teardown: (fn: () => unknown) => void }, redis: PrivateRedis, points: number) {
  const client = new Redis(redis.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 2000 })
  const fallback = new RedisFallback(async () => await client.ping(), silent)
  t.teardown(() => { fallback.close(); client.disconnect() })
  await client.connect()
  return { client, fallback, limiter: new FallbackLimiter({ keyPrefix: 'test-limit', points, durationSeconds: 60 }, { redis: client, fallback }) }
}

async function outcome (count: Promise<RateLimiterRes>): Promise<RateLimiterRes | 'refused'> {
  try {
    return await count
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) return 'refused'
    throw refusal
  }
}

// Writes that reach the socket (one per chunk, or one for all the chunks a cork held).
function countWrites (client: Redis): { count: number } {
  const writes = { count: 0 }
  const socket = client.stream as unknown as { _write: (...args: unknown[]) => void, _writev: (...args: unknown[]) => void }
  const [write, writev] = [socket._write, socket._writev]
  socket._write = function (...args) { writes.count++; write.apply(this, args) }
  socket._writev = function (...args) { writes.count++; writev.apply(this, args) }
  return writes
}

test('50 concurrent counts from two instances against an allowance of 20: exactly 20 admitted, in one write each', { skip }, async (t) => {
  const redis = await startPrivateRedis(t)
  const instances = [await instance(t, redis, 20), await instance(t, redis, 20)]
  const writes = instances.map(({ client }) => countWrites(client))
  const outcomes = await Promise.all(Array.from({ length: 50 }, async (_, index) => await outcome(instances[index % 2]!.limiter.consume('client'))))
  const admitted = outcomes.filter((answer) => answer !== 'refused')
  t.equal(admitted.length, 20, 'exactly the allowance')
  t.same(admitted.map((answer) => answer.remainingPoints).sort((a, b) => a - b), Array.from({ length: 20 }, (_, index) => index), 'each admitted count saw its own remainder')
  t.ok(admitted.every((answer) => answer.msBeforeNext > 0 && answer.msBeforeNext <= 60_000), 'and the time left in its window')
  t.same(writes.map(({ count }) => count), [1, 1], 'each instance sent its 25 counts in one write')
  t.notOk(instances.some(({ fallback }) => fallback.active), 'counted in Redis, not in the process')
  const inspect = redis.client()
  t.equal(await inspect.get('test-limit:client'), '50', 'every count reached Redis, refused ones too')
})

test('counts of later turns are written too, and reward and delete go through the same connection', { skip }, async (t) => {
  const redis = await startPrivateRedis(t)
  const { limiter } = await instance(t, redis, 2)
  t.equal((await limiter.consume('client')).remainingPoints, 1)
  t.equal((await limiter.consume('client')).remainingPoints, 0)
  t.equal(await outcome(limiter.consume('client')), 'refused')
  await limiter.reward('client')
  await limiter.reward('client')
  t.equal((await limiter.consume('client')).remainingPoints, 0, 'a point given back can be taken again')
  await limiter.delete('client')
  t.equal(await redis.client().exists('test-limit:client'), 0, 'forgotten')
  t.match(await limiter.consume('client'), { consumedPoints: 1, remainingPoints: 1 }, 'a fresh count')
})

// Calls of each command the server has run (INFO commandstats).
async function commandCalls (redis: PrivateRedis, command: string): Promise<number> {
  const stats = await redis.client().info('commandstats')
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
}

test('a turn\'s requests from one client are one command per instance: 50 against 20 from two instances, 20 admitted', { skip }, async (t) => {
  const redis = await startPrivateRedis(t)
  const instances = [await instance(t, redis, 20), await instance(t, redis, 20)]
  await Promise.all(instances.map(async ({ limiter }) => await limiter.count('warm-up')))
  const before = await commandCalls(redis, 'evalsha')
  const outcomes = await Promise.all(Array.from({ length: 50 }, async (_, index) => await outcome(instances[index % 2]!.limiter.count('client'))))
  t.equal(await commandCalls(redis, 'evalsha') - before, 2, 'each instance took its 25 points in one command')
  const admitted = outcomes.filter((answer) => answer !== 'refused')
  t.equal(admitted.length, 20, 'exactly the allowance')
  t.same(admitted.map((answer) => answer.remainingPoints).sort((a, b) => a - b), Array.from({ length: 20 }, (_, index) => index), 'each admitted request saw its own remainder')
  t.equal(await redis.client().get('test-limit:client'), '50', 'every request counted in Redis, refused ones too')
  t.notOk(instances.some(({ fallback }) => fallback.active), 'counted in Redis, not in the process')
})
