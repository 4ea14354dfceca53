// The service's limits in one place: what each counts, its allowance and its window. The plugins count them; with
// WORKERS>1 the primary holds their counts for every worker (lib/limits/cluster-limits.ts), so both read them here.
import type { Config } from '../config.js'

export interface LimiterOptions {
  keyPrefix: string
  points: number
  durationSeconds: number
  // Clients counted at once in memory (without Redis, or while it is away); LOCAL_MAX_KEYS when unset.
  maxLocalKeys?: number
}

export interface ServiceLimits {
  // RATE_LIMIT_GLOBAL a minute per client on every route but the probes; undefined when 0.
  global: LimiterOptions | undefined
  // RATE_LIMIT_AUTH a minute per client on each route that checks a credential; undefined when 0.
  auth: LimiterOptions | undefined
  // LOGIN_FAILURE_LIMIT failed password checks per username and client in 15 minutes; undefined when 0.
  loginFailures: LimiterOptions | undefined
}

// Clients counted at once in memory (each limiter): lru-cache sets ~0.9 MB aside for them, a count adds ~130 bytes.
export const LOCAL_MAX_KEYS = 20_000

const MINUTE = 60
const LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

function limit (keyPrefix: string, points: number, durationSeconds: number): LimiterOptions | undefined {
  return points > 0 ? { keyPrefix, points, durationSeconds } : undefined
}

export function serviceLimits (config: Pick<Config, 'rateLimitGlobal' | 'rateLimitAuth' | 'loginFailureLimit'>): ServiceLimits {
  return {
    global: limit('todo-rate-limit', config.rateLimitGlobal, MINUTE),
    auth: limit('todo-rate-limit-auth', config.rateLimitAuth, MINUTE),
    loginFailures: limit('todo-login-failures', config.loginFailureLimit, LOGIN_FAILURE_WINDOW_SECONDS)
  }
}
