// A rate-limiter-flexible limiter that counts in Redis while Redis answers and in this process while it does not:
// never off. Both stores consume atomically, so concurrent requests can never take more than the allowance.
// (rate-limiter-flexible's own insuranceLimiter would try Redis first on every call, a full command timeout each
// while Redis is stalled, and would not tell us when it switched.)
import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { BoundedMemoryLimiter } from './bounded-memory-limiter.js'
import type { RedisFallback } from './redis-fallback.js'

// Clients counted at once in the process (each limiter): lru-cache sets ~0.9 MB aside for them, a count adds ~130 bytes.
export const LOCAL_MAX_KEYS = 20_000

export interface LimiterOptions {
  keyPrefix: string
  points: number
  durationSeconds: number
  maxLocalKeys?: number
}

export interface SharedStore {
  redis: Redis
  fallback: RedisFallback
}

export class FallbackLimiter {
  readonly points: number
  private readonly local: BoundedMemoryLimiter
  private readonly shared: RateLimiterRedis | undefined

  constructor (options: LimiterOptions, private readonly store: SharedStore | undefined) {
    const limits = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds }
    this.points = options.points
    this.local = new BoundedMemoryLimiter({ ...limits, maxKeys: options.maxLocalKeys ?? LOCAL_MAX_KEYS })
    this.shared = store === undefined ? undefined : new RateLimiterRedis({ ...limits, storeClient: store.redis })
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
  get localKeyCount (): number {
    return this.local.keyCount
  }

  private async run<T> (operation: (limiter: RateLimiterAbstract) => Promise<T>): Promise<T> {
    if (this.shared === undefined || this.store === undefined || this.store.fallback.active) return await operation(this.local)
    try {
      return await operation(this.shared)
    } catch (error) {
      if (error instanceof RateLimiterRes) throw error
      this.store.fallback.enter(error)
      return await operation(this.local)
    }
  }
}
