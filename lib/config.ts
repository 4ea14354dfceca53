// Configuration is read once from the environment, validated, and handed to the app as a typed object.
import { availableParallelism } from 'node:os'
import { isWeakPassword } from './password-policy.js'

export interface Config {
  port: number
  host: string
  databaseUrl: string
  databasePoolSize: number
  redisUrl: string | undefined
  adminUsername: string | undefined
  adminPassword: string | undefined
  jwtSecret: string | undefined
  jwtIssuer: string
  jwtAudience: string
  accessTokenTtl: number
  refreshTokenTtl: number
  rateLimitAuth: number
  rateLimitGlobal: number
  loginFailureLimit: number
  corsOrigins: string[]
  maxEventLoopDelayMs: number
  trustProxy: boolean | number | string
  publicTodoLimit: number
  // GET /todo's page cache (plugins/page-cache.ts): bytes it may hold; 0 turns it off.
  pageCacheBytes: number
  logLevel: string
  nodeEnv: string
  // Faults: how long a shutdown keeps serving (with /ready 503) before closing; how many password hashes may wait.
  shutdownDrainMs: number
  argon2QueueSize: number
  // Processes answering HTTP (lib/workers/): 1 is one process and no supervisor.
  workers: number
}

export class ConfigError extends Error {
  constructor (readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`)
    this.name = 'ConfigError'
  }
}

type Environment = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

export const MIN_JWT_SECRET_BYTES = 32

function readString (env: Environment, name: string): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

function readInteger (env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = readString(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function readDatabaseUrl (env: Environment): string {
  const url = readString(env, 'DATABASE_URL') ?? 'sqlite:data/app.db'
  if (/^sqlite:.+/.test(url) || /^postgres(ql)?:\/\/.+/.test(url)) return url
  throw new ConfigError('DATABASE_URL', 'must be sqlite:PATH, sqlite::memory: or postgres://...')
}

// REDIS_URL: refused at start when malformed, so a typo never silently leaves the limits counting per process.
function readRedisUrl (env: Environment): string | undefined {
  const raw = readString(env, 'REDIS_URL')
  if (raw === undefined) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('REDIS_URL', 'must be a URL like redis://host:6379/0')
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '' || !/^(\/\d*)?$/.test(url.pathname)) {
    throw new ConfigError('REDIS_URL', 'must be a URL like redis://host:6379/0 (redis: or rediss:, a host, an optional database number)')
  }
  return raw
}

// WORKERS: a count or `auto` (the CPUs available); workers share the database, so an in-memory one cannot serve them.
export const MAX_WORKERS = 256
function readWorkers (env: Environment, databaseUrl: string): number {
  const raw = readString(env, 'WORKERS')
  if (raw === undefined) return 1
  const workers = raw === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : /^\d+$/.test(raw) ? Number(raw) : Number.NaN
  if (!(workers >= 1 && workers <= MAX_WORKERS)) throw new ConfigError('WORKERS', `must be a whole number from 1 to ${MAX_WORKERS} or auto, got "${raw}"`)
  if (workers > 1 && databaseUrl === 'sqlite::memory:') {
    throw new ConfigError('WORKERS', `must be 1 with DATABASE_URL=sqlite::memory: (each worker would have its own empty database), got ${workers}: use a database file or PostgreSQL`)
  }
  return workers
}

// TRUST_PROXY: unset/false, true (trust every proxy), a hop count, or a comma list of proxy addresses/CIDRs.
function readTrustProxy (env: Environment): boolean | number | string {
  const raw = readString(env, 'TRUST_PROXY')
  if (raw === undefined || raw === 'false') return false
  if (raw === 'true') return true
  if (/^\d+$/.test(raw)) return Number(raw)
  if (/^[0-9A-Fa-f.:/, ]+$/.test(raw)) return raw
  throw new ConfigError('TRUST_PROXY', 'must be true, false, a hop count, or a comma-separated list of addresses')
}

// CORS_ORIGINS: a comma-separated list of origins (scheme://host[:port]) allowed to call from a browser; unset means none.
function readOrigins (env: Environment): string[] {
  const raw = readString(env, 'CORS_ORIGINS')
  if (raw === undefined) return []
  const origins = raw.split(',').map((origin) => origin.trim()).filter((origin) => origin !== '')
  for (const origin of origins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) throw new ConfigError('CORS_ORIGINS', `has "${origin}", which is not an origin like https://app.example.com`)
  }
  return origins
}

// --- Unsafe settings: production refuses each of them (the first found), other environments log one warning each.
export const NODE_ENVIRONMENTS = ['development', 'test', 'production']

export interface UnsafeSetting {
  variable: string
  reason: string
}

// One character, or a short run of characters, repeated: "aaaa...", "abcabc...", "changemechangeme...".
function isRepetitive (secret: string): boolean {
  return /^([\s\S]{1,8})\1+$/.test(secret)
}

function isOff (config: Config, key: 'rateLimitAuth' | 'rateLimitGlobal' | 'loginFailureLimit', variable: string): UnsafeSetting | undefined {
  return config[key] === 0 ? { variable, reason: 'must not be 0 (off) in production' } : undefined
}

// What is only acceptable on a developer's machine.
export function unsafeSettings (config: Config): UnsafeSetting[] {
  const found: Array<UnsafeSetting | undefined> = []
  if (config.jwtSecret !== undefined && Buffer.byteLength(config.jwtSecret) < MIN_JWT_SECRET_BYTES) {
    found.push({ variable: 'JWT_SECRET', reason: `must be at least ${MIN_JWT_SECRET_BYTES} bytes in production` })
  } else if (config.jwtSecret !== undefined && isRepetitive(config.jwtSecret)) {
    found.push({ variable: 'JWT_SECRET', reason: 'must not be one character or a short pattern repeated in production: use 32 random bytes' })
  }
  if (config.trustProxy === true) {
    found.push({ variable: 'TRUST_PROXY', reason: 'must not be true in production: it believes the client-written X-Forwarded-For, so a client escapes every rate limit; give the number of proxy hops or the proxies\' addresses' })
  }
  found.push(isOff(config, 'rateLimitAuth', 'RATE_LIMIT_AUTH'), isOff(config, 'rateLimitGlobal', 'RATE_LIMIT_GLOBAL'), isOff(config, 'loginFailureLimit', 'LOGIN_FAILURE_LIMIT'))
  if (config.accessTokenTtl > config.refreshTokenTtl) {
    found.push({ variable: 'ACCESS_TOKEN_TTL', reason: `must not be above REFRESH_TOKEN_TTL (${config.refreshTokenTtl}) in production, got ${config.accessTokenTtl}` })
  }
  if (config.adminPassword !== undefined && config.adminUsername !== undefined && isWeakPassword(config.adminPassword, config.adminUsername)) {
    found.push({ variable: 'ADMIN_PASSWORD', reason: 'is too weak for production: 8 to 128 characters, not a commonly used password, not the username' })
  }
  return found.filter((setting) => setting !== undefined)
}

function readNodeEnv (env: Environment): string {
  const nodeEnv = readString(env, 'NODE_ENV') ?? 'development'
  if (!NODE_ENVIRONMENTS.includes(nodeEnv)) throw new ConfigError('NODE_ENV', `must be one of ${NODE_ENVIRONMENTS.join(', ')}, got "${nodeEnv}"`)
  return nodeEnv
}
// --- End of unsafe settings.

export function loadConfig (env: Environment = process.env): Config {
  const nodeEnv = readNodeEnv(env)
  const logLevel = readString(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)

  const jwtSecret = readString(env, 'JWT_SECRET')

  const adminUsername = readString(env, 'ADMIN_USERNAME')
  const adminPassword = readString(env, 'ADMIN_PASSWORD')
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(adminUsername === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD', 'must be set together with its pair')
  }

  const databaseUrl = readDatabaseUrl(env)
  const config: Config = {
    port: readInteger(env, 'PORT', 3000, 0, 65535),
    host: readString(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    redisUrl: readRedisUrl(env),
    adminUsername,
    adminPassword,
    jwtSecret,
    jwtIssuer: readString(env, 'JWT_ISSUER') ?? 'todo-auth-service',
    jwtAudience: readString(env, 'JWT_AUDIENCE') ?? 'todo-api',
    accessTokenTtl: readInteger(env, 'ACCESS_TOKEN_TTL', 900, 10, 86400),
    refreshTokenTtl: readInteger(env, 'REFRESH_TOKEN_TTL', 1209600, 60, 31536000),
    rateLimitAuth: readInteger(env, 'RATE_LIMIT_AUTH', 20, 0, 1_000_000),
    rateLimitGlobal: readInteger(env, 'RATE_LIMIT_GLOBAL', 6000, 0, 100_000_000),
    loginFailureLimit: readInteger(env, 'LOGIN_FAILURE_LIMIT', 5, 0, 1000),
    corsOrigins: readOrigins(env),
    maxEventLoopDelayMs: readInteger(env, 'MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
    trustProxy: readTrustProxy(env),
    publicTodoLimit: readInteger(env, 'PUBLIC_TODO_LIMIT', 5, 0, 100),
    pageCacheBytes: readInteger(env, 'PAGE_CACHE_BYTES', 8 * 1024 * 1024, 0, 1024 * 1024 * 1024),
    logLevel,
    nodeEnv,
    // Faults: 16 waiting hashes per CPU is about a fifth of a second of argon2 work each on a quiet machine.
    shutdownDrainMs: readInteger(env, 'SHUTDOWN_DRAIN_MS', 5_000, 0, 600_000),
    argon2QueueSize: readInteger(env, 'ARGON2_QUEUE_SIZE', 16 * availableParallelism(), 0, 100_000),
    workers: readWorkers(env, databaseUrl)
  }
  const [unsafe] = nodeEnv === 'production' ? unsafeSettings(config) : []
  if (unsafe !== undefined) throw new ConfigError(unsafe.variable, unsafe.reason)
  return config
}
