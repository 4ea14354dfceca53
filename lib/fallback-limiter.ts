// A rate-limiter-flexible limiter that counts in Redis while Redis answers and in this process while it does not:
// never off. Both stores consume atomically, so concurrent requests can never take more than the allowance.
// (rate-limiter-flexible's own insuranceLimiter would try Redis first on every call, a full command timeout each
// while Redis is stalled, and would not tell us when it switched.)
import type { Redis } from 'ioredis'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { RedisFallback } from './redis-fallback.js'

export interface LimiterOptions {
  keyPrefix: string
  points: number
  durationSeconds: number
}

export interface SharedStore {
  redis: Redis
  fallback: RedisFallback
}

export class FallbackLimiter {
  readonly points: number
  private readonly local: RateLimiterMemory
  private readonly shared: RateLimiterRedis | undefined

  constructor (options: LimiterOptions, private readonly store: SharedStore | undefined) {
    const limits = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds }
    this.points = options.points
    this.local = new RateLimiterMemory(limits)
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
