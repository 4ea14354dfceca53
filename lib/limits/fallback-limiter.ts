// A rate-limiter-flexible limiter that counts in Redis while Redis answers and in the process (the primary's memory
// with WORKERS>1, lib/limits/cluster-limits.ts) while it does not: never off. Both stores consume atomically, so
// concurrent requests can never take more than the allowance. A turn's requests take their points against one key
// together (lib/limits/grouped-counts.ts), and Redis commands of one turn go in one write (lib/limits/batched-writes.ts).
// (rate-limiter-flexible's own insuranceLimiter would try Redis first on every call, a full command timeout each
// while Redis is stalled, and would not tell us when it switched.)
import type { Redis } from 'ioredis'
import { RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { RedisFallback } from './redis-fallback.js'
import { batchedWrites, type BatchedWrites } from './batched-writes.js'
import { BoundedMemoryLimiter } from './bounded-memory-limiter.js'
import { countsInPrimary, processLimiter, unansweredAsUnavailable } from './cluster-limits.js'
import { groupedCounts, type CountRequest } from './grouped-counts.js'
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
  private readonly grouped: CountRequest

  constructor (options: LimiterOptions, private readonly store: SharedStore | undefined) {
    const limits = { keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds }
    this.points = options.points
    this.local = processLimiter(options)
    this.shared = store === undefined ? undefined : new RateLimiterRedis({ ...limits, storeClient: store.redis })
    this.writes = store === undefined ? undefined : batchedWrites(store.redis)
    this.grouped = groupedCounts(this, () => { this.writes?.sendHeld() })
  }

  // A request's point: resolves with its count when admitted; rejects with a RateLimiterRes when none was left.
  // Grouped where a count is a message (to Redis or to the primary); in the process's own memory it costs less than
  // the turn a group waits for.
  async count (key: string): Promise<RateLimiterRes> {
    return await (this.countsInOwnMemory ? this.consume(key) : this.grouped(key))
  }

  // Resolves with the count when the points were taken; rejects with a RateLimiterRes when they did not fit.
  async consume (key: string, points = 1): Promise<RateLimiterRes> {
    return await this.run((limiter) => limiter.consume(key, points))
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

  private get countsInOwnMemory (): boolean {
    return !countsInPrimary && (this.shared === undefined || this.store?.fallback.active === true)
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
