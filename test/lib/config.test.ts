// loadConfig: documented defaults, and a ConfigError naming the variable for every bad value.
import { test } from 'tap'
import { ConfigError, loadConfig, riskySettings, unsafeSettings } from '../../lib/config.js'

type Environment = Record<string, string | undefined>

function configErrorFrom (env: Environment): ConfigError | undefined {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  return undefined
}

test('an empty environment gives the documented defaults', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    port: 3000,
    host: '127.0.0.1',
    databaseUrl: 'sqlite:data/app.db',
    redisUrl: undefined,
    adminUsername: undefined,
    adminPassword: undefined,
    jwtSecret: undefined,
    accessTokenTtl: 900,
    refreshTokenTtl: 1209600,
    rateLimitAuth: 20,
    publicTodoLimit: 5,
    logLevel: 'info'
  })
  t.equal(config.port, 3000, 'the port is a number, not the string "3000"')
})

test('an empty string counts as unset', async (t) => {
  const config = loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', LOG_LEVEL: '', JWT_SECRET: '' })
  t.match(config, { port: 3000, host: '127.0.0.1', databaseUrl: 'sqlite:data/app.db', logLevel: 'info', jwtSecret: undefined })
})

test('valid values are read and converted', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://app:secret@db:5432/todo',
    REDIS_URL: 'redis://cache:6379',
    ADMIN_USERNAME: 'root',
    ADMIN_PASSWORD: 'a-long-admin-password',
    JWT_SECRET: 'x'.repeat(32),
    ACCESS_TOKEN_TTL: '60',
    REFRESH_TOKEN_TTL: '3600',
    RATE_LIMIT_AUTH: '0',
    PUBLIC_TODO_LIMIT: '10',
    LOG_LEVEL: 'debug'
  })
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    databaseUrl: 'postgres://app:secret@db:5432/todo',
    redisUrl: 'redis://cache:6379',
    adminUsername: 'root',
    adminPassword: 'a-long-admin-password',
    jwtSecret: 'x'.repeat(32),
    accessTokenTtl: 60,
    refreshTokenTtl: 3600,
    rateLimitAuth: 0,
    publicTodoLimit: 10,
    logLevel: 'debug'
  })
})

test('every accepted DATABASE_URL form', async (t) => {
  for (const url of ['sqlite::memory:', 'sqlite:data/app.db', 'sqlite:/var/lib/todo/app.db', 'postgres://u:p@h/db', 'postgresql://u:p@h:5432/db']) {
    t.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url, url)
  }
})

test('each bad variable throws a ConfigError that names it', async (t) => {
  const cases: Array<[string, Environment]> = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite:' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'root' }],
    ['ADMIN_USERNAME', { ADMIN_PASSWORD: 'a-long-admin-password' }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '5' }],
    ['REFRESH_TOKEN_TTL', { REFRESH_TOKEN_TTL: 'forever' }],
    ['RATE_LIMIT_AUTH', { RATE_LIMIT_AUTH: 'many' }],
    ['PUBLIC_TODO_LIMIT', { PUBLIC_TODO_LIMIT: '101' }]
  ]
  for (const [variable, env] of cases) {
    const error = configErrorFrom(env)
    t.ok(error instanceof ConfigError, `${JSON.stringify(env)} throws a ConfigError`)
    t.equal(error?.variable, variable, `${JSON.stringify(env)} blames ${variable}`)
    t.match(error?.message, new RegExp(`\\b${variable}\\b`), `${JSON.stringify(env)}: the message names ${variable}`)
    t.equal(error?.name, 'ConfigError')
  }
})

test('the PORT message quotes the bad value', async (t) => {
  t.equal(configErrorFrom({ PORT: 'abc' })?.message, 'Invalid configuration: PORT must be a whole number, got "abc"')
  t.equal(configErrorFrom({ PORT: '70000' })?.message, 'Invalid configuration: PORT must be between 0 and 65535, got 70000')
})

test('NODE_ENV=production refuses a JWT_SECRET shorter than 32 bytes', async (t) => {
  const error = configErrorFrom({ NODE_ENV: 'production', JWT_SECRET: '0123456789' })
  t.ok(error instanceof ConfigError)
  t.equal(error?.variable, 'JWT_SECRET')
  t.match(error?.message, /JWT_SECRET/)
  t.match(error?.message, /32 bytes/)
})

test('the JWT_SECRET length is counted in bytes, not characters', async (t) => {
  // 'éèàùâêîôûçëïüÿæœ' is 16 characters of two bytes each: 32 bytes, without repeating a pattern.
  const secret = 'éèàùâêîôûçëïüÿæœ'
  t.equal(configErrorFrom({ NODE_ENV: 'production', JWT_SECRET: secret.slice(1) })?.variable, 'JWT_SECRET')
  t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwtSecret, secret)
})

test('NODE_ENV=production accepts a 32-byte JWT_SECRET, and no JWT_SECRET at all', async (t) => {
  const secret = '3q2+7wX9kLmN0pQrStUvWxYz1A2b3C4d'
  t.match(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }), { nodeEnv: 'production', jwtSecret: secret })
  t.match(loadConfig({ NODE_ENV: 'production' }), { nodeEnv: 'production', jwtSecret: undefined })
})

test('outside production a short JWT_SECRET does not throw', async (t) => {
  t.match(loadConfig({ JWT_SECRET: '0123456789' }), { jwtSecret: '0123456789', nodeEnv: 'development' })
  t.match(loadConfig({ NODE_ENV: 'test', JWT_SECRET: '0123456789' }), { jwtSecret: '0123456789', nodeEnv: 'test' })
})

test('loadConfig reads process.env when given nothing', async (t) => {
  const saved = process.env.PUBLIC_TODO_LIMIT
  t.teardown(() => {
    if (saved === undefined) delete process.env.PUBLIC_TODO_LIMIT
    else process.env.PUBLIC_TODO_LIMIT = saved
  })
  process.env.PUBLIC_TODO_LIMIT = '7'
  t.equal(loadConfig().publicTodoLimit, 7)
})

test('NODE_ENV other than development, test or production is refused, in any environment', async (t) => {
  for (const nodeEnv of ['prod', 'staging', 'Production', 'dev']) {
    const error = configErrorFrom({ NODE_ENV: nodeEnv })
    t.equal(error?.variable, 'NODE_ENV', nodeEnv)
    t.equal(error?.message, `Invalid configuration: NODE_ENV must be one of development, test, production, got "${nodeEnv}"`)
  }
  for (const nodeEnv of ['development', 'test', 'production']) t.equal(loadConfig({ NODE_ENV: nodeEnv }).nodeEnv, nodeEnv)
})

const SAFE_PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: '3q2+7wX9kLmN0pQrStUvWxYz1A2b3C4d' }

const UNSAFE: Array<[string, Environment]> = [
  ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
  ['LOGIN_FAILURE_LIMIT', { LOGIN_FAILURE_LIMIT: '0' }],
  ['RATE_LIMIT_GLOBAL', { RATE_LIMIT_GLOBAL: '0' }],
  ['RATE_LIMIT_AUTH', { RATE_LIMIT_AUTH: '0' }],
  ['JWT_SECRET', { JWT_SECRET: 'x'.repeat(64) }],
  ['JWT_SECRET', { JWT_SECRET: 'changeme'.repeat(4) }],
  ['JWT_SECRET', { JWT_SECRET: 'too-short' }],
  ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '7200', REFRESH_TOKEN_TTL: '3600' }]
]

test('NODE_ENV=production refuses each unsafe setting with a ConfigError naming it', async (t) => {
  for (const [variable, unsafe] of UNSAFE) {
    const error = configErrorFrom({ ...SAFE_PRODUCTION, ...unsafe })
    t.equal(error?.variable, variable, `${JSON.stringify(unsafe)} blames ${variable}`)
    t.match(error?.message, new RegExp(`^Invalid configuration: ${variable} `), `${JSON.stringify(unsafe)}: the message names ${variable}`)
  }
  t.match(configErrorFrom({ ...SAFE_PRODUCTION, TRUST_PROXY: 'true' })?.message, /X-Forwarded-For/)
})

test('NODE_ENV=production accepts the safe forms: a hop count or proxy addresses, limits on, equal TTLs', async (t) => {
  t.equal(loadConfig({ ...SAFE_PRODUCTION, TRUST_PROXY: '1' }).trustProxy, 1)
  t.equal(loadConfig({ ...SAFE_PRODUCTION, TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).trustProxy, '10.0.0.1, 10.0.0.2')
  t.equal(loadConfig({ ...SAFE_PRODUCTION, ACCESS_TOKEN_TTL: '3600', REFRESH_TOKEN_TTL: '3600' }).accessTokenTtl, 3600)
  t.same(unsafeSettings(loadConfig(SAFE_PRODUCTION)), [])
})

test('outside production the same settings load, and unsafeSettings lists each one once (development logs them)', async (t) => {
  for (const [variable, unsafe] of UNSAFE) {
    const config = loadConfig(unsafe)
    t.same(unsafeSettings(config).map((setting) => setting.variable), [variable], JSON.stringify(unsafe))
  }
  const everything = loadConfig({ TRUST_PROXY: 'true', LOGIN_FAILURE_LIMIT: '0', RATE_LIMIT_GLOBAL: '0', RATE_LIMIT_AUTH: '0', JWT_SECRET: 'a'.repeat(40) })
  t.same(unsafeSettings(everything).map((setting) => setting.variable), ['JWT_SECRET', 'TRUST_PROXY', 'RATE_LIMIT_AUTH', 'RATE_LIMIT_GLOBAL', 'LOGIN_FAILURE_LIMIT'])
})

test('REDIS_URL: redis:// and rediss:// URLs with a host are accepted; anything else is refused, naming REDIS_URL and never echoing the value', async (t) => {
  for (const url of ['redis://cache:6379', 'redis://cache', 'rediss://:secret@cache.internal:6380/2', 'redis://user:pw@10.0.0.5:6379/0']) {
    t.equal(loadConfig({ REDIS_URL: url }).redisUrl, url, `${url} is accepted`)
  }
  for (const url of ['cache:6379', 'http://cache:6379', 'redis://', 'redis://cache:6379/db0', 'redis://:secret@cache:6379/x']) {
    const error = configErrorFrom({ REDIS_URL: url })
    t.equal(error?.variable, 'REDIS_URL', `${url} is refused`)
    t.notMatch(error?.message ?? '', 'secret', 'the message does not repeat the URL (it may hold a password)')
  }
})

test('HOST must be an IP address or a host name, and a bad one is refused naming HOST', async (t) => {
  for (const host of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'api.internal', 'my-host.example.com']) {
    t.equal(loadConfig({ HOST: host }).host, host, `${host} is accepted`)
  }
  for (const host of ['not_a_host!', 'a b', 'http://example.com', '-leading.example', 'host:3000', 'exa$mple.com']) {
    t.throws(() => loadConfig({ HOST: host }), new ConfigError('HOST', `must be an IP address or a host name like 0.0.0.0, :: or api.internal, got "${host}"`), `${host} is refused`)
  }
})

test('TRUST_PROXY as a bare hop count loads, production included, and is listed by riskySettings; addresses are not', async (t) => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'k7Qz9vR2mX4pL8wN1sT6yB3cF5hJ0dGa' }
  const hops = loadConfig({ ...production, TRUST_PROXY: '1' })
  t.equal(hops.trustProxy, 1)
  t.same(riskySettings(hops).map((setting) => setting.variable), ['TRUST_PROXY'])
  t.match(riskySettings(hops)[0]?.reason, /hop count.*addresses or CIDRs/)
  t.same(riskySettings(loadConfig({ ...production, TRUST_PROXY: '10.0.0.0/8, 192.0.2.7' })), [])
  t.same(riskySettings(loadConfig({})), [])
})
