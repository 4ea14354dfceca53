// Configuration is read once from the environment, validated, and handed to the app as a typed object.
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { isWeakPassword } from './auth/password-policy.js'

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
export const NODE_ENVIRONMENTS = ['development', 'test', 'production']

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

// HOST: an IP address or a host name (RFC 1123 labels), refused at start otherwise, rather than failing later in
// getaddrinfo with a message that does not name the variable.
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/
function readHost (env: Environment): string {
  const host = readString(env, 'HOST') ?? '127.0.0.1'
  if (isIP(host) !== 0 || HOST_NAME.test(host)) return host
  throw new ConfigError('HOST', `must be an IP address or a host name like 0.0.0.0, :: or api.internal, got "${host}"`)
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
function readWorkers (env: Environment): number {
  const databaseUrl = readDatabaseUrl(env)
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

function readOneOf (env: Environment, name: string, allowed: string[], fallback: string): string {
  const value = readString(env, name) ?? fallback
  if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`)
  return value
}

// --- The settings: one entry per variable, read in this order; docs/operations.md's table is generated from it.
export interface Setting {
  variable: string
  // As the documentation shows it.
  default: string
  allowed: string
  // Whole numbers: the bounds the reader enforces, which the table's `allowed` is written from.
  min?: number
  max?: number
  description: string
  read: (env: Environment) => unknown
}

// Typed per key, so each reader must return what Config says the field holds.
function setting<K extends keyof Config> (key: K, entry: Omit<Setting, 'read'> & { read: (env: Environment) => Config[K] }): Setting & { key: K } {
  return { key, ...entry }
}

// The fallback may depend on the environment (SHUTDOWN_DRAIN_MS on NODE_ENV); min and max are kept as data for the table.
function integer<K extends keyof Config> (key: K, variable: string, fallback: number | ((env: Environment) => number), min: number, max: number, description: string, defaultText = String(fallback)): Setting & { key: K } {
  const fallbackFor = typeof fallback === 'number' ? () => fallback : fallback
  return setting(key, { variable, default: defaultText, allowed: `${min} to ${max}`, min, max, description, read: (env) => readInteger(env, variable, fallbackFor(env), min, max) as Config[K] })
}

function text<K extends keyof Config> (key: K, variable: string, fallback: string | undefined, description: string): Setting & { key: K } {
  return setting(key, { variable, default: fallback ?? '(unset)', allowed: 'any text', description, read: (env) => (readString(env, variable) ?? fallback) as Config[K] })
}

const DEFAULT_ARGON2_QUEUE_PER_CPU = 16

// Development and test stop at once on Ctrl-C; production keeps answering (with /ready 503) while a load balancer notices.
export const PRODUCTION_DRAIN_MS = 5_000

export const SETTINGS = [
  setting('nodeEnv', { variable: 'NODE_ENV', default: 'development', allowed: NODE_ENVIRONMENTS.join(', '), description: 'production refuses the unsafe settings listed under Security and drains before stopping.', read: (env) => readOneOf(env, 'NODE_ENV', NODE_ENVIRONMENTS, 'development') }),
  setting('logLevel', { variable: 'LOG_LEVEL', default: 'info', allowed: LOG_LEVELS.join(', '), description: 'pino log level of the JSON lines on standard output.', read: (env) => readOneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info') }),
  integer('port', 'PORT', 3000, 0, 65535, 'TCP port to listen on; 0 picks a free one.'),
  setting('host', { variable: 'HOST', default: '127.0.0.1', allowed: 'an IP address or a host name', description: 'Address to listen on; 0.0.0.0 for every interface (in a container, behind a proxy).', read: readHost }),
  setting('databaseUrl', { variable: 'DATABASE_URL', default: 'sqlite:data/app.db', allowed: 'sqlite:PATH, sqlite::memory:, postgres://...', description: 'Where users, todos and sessions live. Migrations run at start.', read: readDatabaseUrl }),
  integer('databasePoolSize', 'DATABASE_POOL_SIZE', 10, 1, 1000, 'PostgreSQL connections per process (ignored for SQLite).'),
  setting('redisUrl', { variable: 'REDIS_URL', default: '(unset)', allowed: 'redis://host[:port][/db], rediss://...', description: 'Shared rate-limit counters for several instances; unset, each instance counts alone (in its primary for all its workers).', read: readRedisUrl }),
  text('adminUsername', 'ADMIN_USERNAME', undefined, 'With ADMIN_PASSWORD: an administrator created (or promoted) at start.'),
  text('adminPassword', 'ADMIN_PASSWORD', undefined, 'With ADMIN_USERNAME; production refuses a weak one.'),
  text('jwtSecret', 'JWT_SECRET', undefined, 'Unset: the service makes and keeps its own signing keys (see key rotation). Set: HS256 with this secret, at least 32 bytes in production.'),
  text('jwtIssuer', 'JWT_ISSUER', 'todo-auth-service', 'iss claim written into and required of every token.'),
  text('jwtAudience', 'JWT_AUDIENCE', 'todo-api', 'aud claim written into and required of every token.'),
  integer('accessTokenTtl', 'ACCESS_TOKEN_TTL', 900, 10, 86400, 'Access token lifetime in seconds; production refuses one longer than REFRESH_TOKEN_TTL.'),
  integer('refreshTokenTtl', 'REFRESH_TOKEN_TTL', 1209600, 60, 31536000, 'Refresh token (session) lifetime in seconds.'),
  integer('rateLimitAuth', 'RATE_LIMIT_AUTH', 20, 0, 1_000_000, 'Requests a minute per client address on each route that checks a credential (/register, /login, /refresh, PUT /profile/password), on top of the global limit; 0 is off (refused in production).'),
  integer('rateLimitGlobal', 'RATE_LIMIT_GLOBAL', 6000, 0, 100_000_000, 'Requests a minute per client address on every route; 0 is off (refused in production).'),
  integer('loginFailureLimit', 'LOGIN_FAILURE_LIMIT', 5, 0, 1000, 'Failed logins a quarter-hour per username before it is locked out for the rest of it; 0 is off (refused in production).'),
  setting('corsOrigins', { variable: 'CORS_ORIGINS', default: '(unset: no browser origin)', allowed: 'comma-separated https://host[:port] origins', description: 'Browser origins allowed to call the API.', read: readOrigins }),
  integer('maxEventLoopDelayMs', 'MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000, 'Event-loop delay in milliseconds above which requests are shed with 503; 0 is off.'),
  setting('trustProxy', { variable: 'TRUST_PROXY', default: 'false', allowed: 'false, true, a hop count, comma-separated addresses/CIDRs', description: 'Which proxies\' X-Forwarded-For to believe for the client address; true is refused in production.', read: readTrustProxy }),
  integer('publicTodoLimit', 'PUBLIC_TODO_LIMIT', 5, 0, 100, 'Todos the unauthenticated GET /todo/ASC and /todo/DESC show.'),
  integer('pageCacheBytes', 'PAGE_CACHE_BYTES', 8 * 1024 * 1024, 0, 1024 * 1024 * 1024, 'Bytes of memory the GET /todo page cache may hold; 0 turns it off.', '8388608 (8 MiB)'),
  integer('shutdownDrainMs', 'SHUTDOWN_DRAIN_MS', (env) => env.NODE_ENV === 'production' ? PRODUCTION_DRAIN_MS : 0, 0, 600_000, 'On SIGTERM/SIGINT: milliseconds to keep serving (with /ready 503) before closing.', `${PRODUCTION_DRAIN_MS} in production, 0 otherwise`),
  setting('workers', { variable: 'WORKERS', default: '1', allowed: `1 to ${MAX_WORKERS}, or auto (one per CPU)`, description: 'Processes answering HTTP on the one port; above 1 a primary process supervises them (see Workers below). Not with sqlite::memory:.', read: readWorkers }),
  integer('argon2QueueSize', 'ARGON2_QUEUE_SIZE', DEFAULT_ARGON2_QUEUE_PER_CPU * availableParallelism(), 0, 100_000, 'Password hashes that may wait for a CPU, for the whole service (shared among workers); beyond them /register, /login and password changes answer 503 with Retry-After. 0: none wait, only one hash per CPU runs at a time.', `${DEFAULT_ARGON2_QUEUE_PER_CPU} per CPU`)
]

// --- Unsafe settings: production refuses each of them (the first found), other environments log one warning each.
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

// Settings that production accepts but that are only safe in some deployments: logged as a warning in every environment.
export function riskySettings (config: Config): UnsafeSetting[] {
  const found: UnsafeSetting[] = []
  if (typeof config.trustProxy === 'number') {
    found.push({
      variable: 'TRUST_PROXY',
      reason: `is a hop count (${config.trustProxy}): the ${config.trustProxy === 1 ? 'nearest address' : `${config.trustProxy} nearest addresses`} of X-Forwarded-For ${config.trustProxy === 1 ? 'is' : 'are'} believed whoever connected, so a client that reaches the service without the proxy chooses its own address and escapes the per-client limits; give the proxies' addresses or CIDRs instead (TRUST_PROXY=10.0.0.0/8)`
    })
  }
  return found
}

// --- End of unsafe settings.

export function loadConfig (env: Environment = process.env): Config {
  const config: Record<string, unknown> = {}
  for (const entry of SETTINGS) config[entry.key] = entry.read(env)
  const loaded = config as unknown as Config
  if ((loaded.adminUsername === undefined) !== (loaded.adminPassword === undefined)) {
    throw new ConfigError(loaded.adminUsername === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD', 'must be set together with its pair')
  }
  const [unsafe] = loaded.nodeEnv === 'production' ? unsafeSettings(loaded) : []
  if (unsafe !== undefined) throw new ConfigError(unsafe.variable, unsafe.reason)
  return loaded
}
