// Limits of WORKERS>1: the primary holds the counts and every worker counts there through rate-limiter-flexible's
// cluster limiter (Node's IPC channel), one atomic step per count, so an allowance is the service's, not each worker's.
import cluster from 'node:cluster'
import { RateLimiterCluster, RateLimiterClusterMaster, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { ApiError } from '../api-error.js'
import { BoundedMemoryLimiter } from './bounded-memory-limiter.js'
import { LOCAL_MAX_KEYS, type LimiterOptions } from './service-limits.js'

// The primary answers a count in microseconds; past this it is stuck, and the request gets 503 rather than a hang.
export const PRIMARY_ANSWER_TIMEOUT_MS = 3_000

// True in a worker of WORKERS>1, whose counts live in the primary.
export const countsInPrimary = cluster.isWorker

function bounded (options: LimiterOptions): BoundedMemoryLimiter {
  return new BoundedMemoryLimiter({
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    maxKeys: options.maxLocalKeys ?? LOCAL_MAX_KEYS
  })
}

// In the primary, before any worker starts. The library's master would make an unbounded RateLimiterMemory for each
// limit on a worker's first message; its table is filled first with bounded ones, which it then uses as they are.
export function holdCountsForWorkers (limits: Array<LimiterOptions | undefined>): void {
  const master = new RateLimiterClusterMaster() as unknown as { _rateLimiters: Record<string, RateLimiterAbstract> }
  for (const options of limits) {
    if (options !== undefined) master._rateLimiters[options.keyPrefix] = bounded(options)
  }
}

class PrimaryDoesNotAnswer extends ApiError {
  constructor () {
    super(503, 'service_unavailable', 'The service could not count this request in time; try again shortly')
    this.name = 'PrimaryDoesNotAnswer'
  }
}

// The library rejects with a plain Error when the primary does not answer within timeoutMs: that becomes a 503.
export function unansweredAsUnavailable (error: unknown): unknown {
  return error instanceof Error && error.message.startsWith('RateLimiterCluster timeout') ? new PrimaryDoesNotAnswer() : error
}

// The limiter a process counts in itself: the primary's in a worker, else a bounded one in its own memory.
export function processLimiter (options: LimiterOptions): RateLimiterAbstract {
  if (!countsInPrimary) return bounded(options)
  return new RateLimiterCluster({
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    timeoutMs: PRIMARY_ANSWER_TIMEOUT_MS
  })
}
