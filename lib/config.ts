// Configuration is read once from the environment, validated, and handed to the app as a typed object.
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

// NODE_ENV=production refuses what is only acceptable on a developer's machine.
function assertSafeForProduction (config: Config): void {
  if (config.jwtSecret !== undefined && Buffer.byteLength(config.jwtSecret) < MIN_JWT_SECRET_BYTES) {
    throw new ConfigError('JWT_SECRET', `must be at least ${MIN_JWT_SECRET_BYTES} bytes in production`)
  }
  if (config.rateLimitAuth === 0) throw new ConfigError('RATE_LIMIT_AUTH', 'must not be 0 (off) in production')
  if (config.adminPassword !== undefined && config.adminUsername !== undefined && isWeakPassword(config.adminPassword, config.adminUsername)) {
    throw new ConfigError('ADMIN_PASSWORD', 'is too weak for production: 8 to 128 characters, not a commonly used password, not the username')
  }
}

export function loadConfig (env: Environment = process.env): Config {
  const nodeEnv = readString(env, 'NODE_ENV') ?? 'development'
  const logLevel = readString(env, 'LOG_LEVEL') ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)

  const jwtSecret = readString(env, 'JWT_SECRET')

  const adminUsername = readString(env, 'ADMIN_USERNAME')
  const adminPassword = readString(env, 'ADMIN_PASSWORD')
  if ((adminUsername === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(adminUsername === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD', 'must be set together with its pair')
  }

  const config: Config = {
    port: readInteger(env, 'PORT', 3000, 0, 65535),
    host: readString(env, 'HOST') ?? '127.0.0.1',
    databaseUrl: readDatabaseUrl(env),
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    redisUrl: readString(env, 'REDIS_URL'),
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
    nodeEnv
  }
  if (nodeEnv === 'production') assertSafeForProduction(config)
  return config
}
