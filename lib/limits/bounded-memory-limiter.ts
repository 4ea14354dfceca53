// rate-limiter-flexible's in-process limiter, holding at most `maxKeys` counts. Its own store keeps every key (and a
// timer each) until the key's window ends, so a flood of distinct clients (an IPv6 attacker has /64s to spare) would
// grow the process without bound. Here lru-cache holds the counts: past the bound the least recently counted key is
// forgotten and that client starts a fresh window, while a client that keeps coming back keeps its count.
import { LRUCache } from 'lru-cache'
import { RateLimiterMemory, RateLimiterRes, type IRateLimiterOptions } from 'rate-limiter-flexible'

interface Count {
  value: number
  // Date.now() at the end of the window; null for a count without one (duration 0).
  expiresAt: number | null
}

function result (count: Count, isFirstInDuration: boolean): RateLimiterRes {
  return new RateLimiterRes(0, count.expiresAt === null ? -1 : count.expiresAt - Date.now(), count.value, isFirstInDuration)
}

// The storage calls RateLimiterMemory makes (incrby, set, get, delete), with the same results as its own MemoryStorage.
class BoundedCounts {
  readonly counts: LRUCache<string, Count>

  constructor (maxKeys: number) {
    // Bounded by count through maxSize: with `max`, lru-cache allocates its arrays for the whole bound up front.
    this.counts = new LRUCache({ maxSize: maxKeys, sizeCalculation: () => 1 })
  }

  incrby (key: string, value: number, durationSec: number): RateLimiterRes {
    const count = this.counts.get(key)
    if (count === undefined) return this.set(key, value, durationSec)
    count.value += value
    return result(count, false)
  }

  set (key: string, value: number, durationSec: number): RateLimiterRes {
    const durationMs = durationSec * 1000
    const count = { value, expiresAt: durationMs > 0 ? Date.now() + durationMs : null }
    // lru-cache drops the count when its window ends (ttl), or earlier when the bound needs its place.
    this.counts.set(key, count, { ttl: durationMs > 0 ? durationMs : undefined })
    return result(count, true)
  }

  get (key: string): RateLimiterRes | null {
    const count = this.counts.get(key)
    return count === undefined ? null : result(count, false)
  }

  delete (key: string): boolean {
    return this.counts.delete(key)
  }
}

export class BoundedMemoryLimiter extends RateLimiterMemory {
  readonly #counts: BoundedCounts

  constructor (options: IRateLimiterOptions & { maxKeys: number }) {
    super(options)
    this.#counts = new BoundedCounts(options.maxKeys)
    // RateLimiterMemory keeps its store here and reaches it only through the calls above.
    ;(this as unknown as { _memoryStorage: BoundedCounts })._memoryStorage = this.#counts
  }

  // Counts held now, never above maxKeys.
  get keyCount (): number {
    return this.#counts.counts.size
  }
}
