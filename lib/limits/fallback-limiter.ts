// A rate-limiter-flexible limiter that counts in Redis while Redis answers and in the process (the primary's memory
// with WORKERS>1, lib/limits/cluster-limits.ts) while it does not: never off. Both stores consume atomically, so
// concurrent requests can never take more than the allowance. Redis commands of one turn go in one write
// (lib/limits/batched-writes.ts).
// (rate-limiter-flexible's own insuranceLimiter would try Redis first on every call, a full command timeout each
// while Redis is stalled, and would not tell us when it switched.)
import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { RedisFallback } from '../redis-fallback.js'
import { batchedWrites, type BatchedWrites } from './batched-writes.js'
import { BoundedMemoryLimiter } from './bounded-memory-limiter.js'
import { processLimiter, unansweredAsUnavailable } from './cluster-limits.js'
import type { LimiterOptions } from './service-limits.js'

export interface SharedStore {
  redis: Redis
  fallback: RedisFallback
}

export class FallbackLimiter {
  readonly points: number
  private readonly local: RateLimiterAbstract
  private readonly shared: RateLimiterRedis | undefined
  private readonly writes: BatchedWrites | undefined

  constructor (options: LimiterOptions, private readonly store: SharedStore | undefined) {
    const limits = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds }
    this.points = options.points
    this.local = processLimiter(options)
    this.shared = store === undefined ? undefined : new RateLimiterRedis({ ...limits, storeClient: store.redis })
    this.writes = store === undefined ? undefined : batchedWrites(store.redis)
  }

  // Resolves with the count when the point was taken; rejects with a RateLimiterRes when none was left.
  async consume (key: string): Promise<RateLimiterRes> {
    return await this.run((limiter) => limiter.consume(key))
  }

  async reward (key: string): Promise<void> {
    await this.run((limiter) => limiter.reward(key))
  }

  async delete (key: string): Promise<void> {
    await this.run((limiter) => limiter.delete(key))
  }

  // Clients the process counts itself (without Redis, or while it is away); never above maxLocalKeys.
  // Undefined in a worker of WORKERS>1, whose counts the primary holds.
  get localKeyCount (): number | undefined {
    return this.local instanceof BoundedMemoryLimiter ? this.local.keyCount : undefined
  }

  private async run<T> (operation: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
    if (this.shared === undefined || this.store === undefined || this.store.fallback.active) return await this.runLocal(operation)
    try {
      this.writes?.hold()
      return await operation(this.shared)
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error
      this.store.fallback.enter(error)
      return await this.runLocal(operation)
    }
  }

  private async runLocal<T> (operation: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
    try {
      return await operation(this.local)
    } catch (error) {
      throw unansweredAsUnavailable(error)
    }
  }
}
