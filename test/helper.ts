// Builds the real app for a test, on a fresh in-memory database, and closes it when the test ends.
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import fp from 'fastify-plugin'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import app from '../app.js'
import { loadConfig, type Config } from '../lib/config.js'
import { serverOptions } from '../lib/http/server-options.js'
import { checkInjectedAnswers } from './contract.js'

export interface TestContext {
  teardown: (fn: () => unknown) => void
  fail?: (message: string) => unknown
}

// Set by scripts/run-tests.mjs for the PostgreSQL run: a database made for this run of the suite.
const postgresUrl = process.env.TEST_POSTGRES_URL

export const onPostgres = postgresUrl !== undefined

export function testConfig (overrides: Partial<Config> = {}): Config {
  // Off by default here: the per-client auth limit (every injected request comes from one address) and load
  // shedding (a test machine busy compiling and running many files lags by design); their own tests turn them on.
  return { ...loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', RATE_LIMIT_AUTH: '0', MAX_EVENT_LOOP_DELAY_MS: '0' }), ...overrides }
}

// Runs SQL on the PostgreSQL run's database (or on `url`), on a connection of its own.
export async function onPostgresServer (sqlText: string, url = postgresUrl): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sqlText)
  } finally {
    await client.end()
  }
}

// An empty database that several apps of one test may share: a schema of its own on PostgreSQL, a file on SQLite.
export async function freshDatabaseUrl (t: TestContext & { testdir: () => string }): Promise<string> {
  if (postgresUrl === undefined) return `sqlite:${t.testdir()}/test.db`
  const schema = `test_${randomBytes(8).toString('hex')}`
  await onPostgresServer(`create schema ${schema}`)
  t.teardown(() => onPostgresServer(`drop schema ${schema} cascade`))
  return `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
}

export async function build (t: TestContext & { testdir: () => string }, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const databaseUrl = overrides.databaseUrl ?? (onPostgres ? await freshDatabaseUrl(t) : 'sqlite::memory:')
  const config = testConfig({ ...overrides, databaseUrl })
  const fastify = Fastify(serverOptions(config))
  // fp() lifts the app's decorators (db, users, signingKeys, ...) to where the test can reach them.
  await fastify.register(fp(app), { config })
  await fastify.ready()
  t.teardown(() => fastify.close())
  // Every answer a test receives must be one the OpenAPI document promises (test/contract.ts).
  checkInjectedAnswers(t, fastify)
  return fastify
}

export interface LoggedInUser {
  id: string
  username: string
  password: string
  accessToken: string
  refreshToken: string
  auth: { authorization: string }
}

let userCounter = 0

export async function registerUser (fastify: FastifyInstance, username = `user${++userCounter}`, password = `pw-${username}-long-enough`): Promise<{ id: string, username: string, password: string }> {
  const response = await fastify.inject({ method: 'POST', url: '/register', payload: { username, password, name: `Name of ${username}` } })
  if (response.statusCode !== 201) throw new Error(`register ${username}: ${response.statusCode} ${response.body}`)
  return { id: response.json().id, username, password }
}

export async function logIn (fastify: FastifyInstance, username: string, password: string): Promise<LightMyRequestResponse> {
  return await fastify.inject({ method: 'POST', url: '/login', payload: { username, password } })
}

// A registered user with a fresh token pair; admins come from the ADMIN_USERNAME bootstrap.
export async function loggedInUser (fastify: FastifyInstance, username?: string): Promise<LoggedInUser> {
  const user = await registerUser(fastify, username)
  return await tokensFor(fastify, user)
}

export async function loggedInAdmin (fastify: FastifyInstance): Promise<LoggedInUser> {
  const { adminUsername, adminPassword } = fastify.config
  if (adminUsername === undefined || adminPassword === undefined) throw new Error('build the app with adminUsername and adminPassword')
  const profile = await tokensFor(fastify, { id: '', username: adminUsername, password: adminPassword })
  const me = await fastify.inject({ method: 'GET', url: '/profile', headers: profile.auth })
  return { ...profile, id: me.json().id }
}

async function tokensFor (fastify: FastifyInstance, user: { id: string, username: string, password: string }): Promise<LoggedInUser> {
  const response = await logIn(fastify, user.username, user.password)
  if (response.statusCode !== 200) throw new Error(`login ${user.username}: ${response.statusCode} ${response.body}`)
  const { access_token: accessToken, refresh_token: refreshToken } = response.json()
  return { ...user, accessToken, refreshToken, auth: { authorization: `Bearer ${accessToken}` } }
}

export const ADMIN = { adminUsername: 'root', adminPassword: 'root-password-for-tests' }

// How many items each statement `pool` sends whose text `matches` carried (the length of its array parameter
// `arrayAt`): the proof that requests arriving together shared one statement. `before` runs ahead of each such statement.
export function watchStatements (pool: pg.Pool, matches: (text: string) => boolean, arrayAt: number, before: () => Promise<void> = async () => {}): number[] {
  const carried: number[] = []
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>
  pool.query = (async (config: unknown, ...rest: unknown[]) => {
    const { text, values } = (config ?? {}) as { text?: string, values?: unknown[] }
    if (typeof text === 'string' && matches(text)) {
      carried.push((values?.[arrayAt] as unknown[]).length)
      await before()
    }
    return await query(config, ...rest)
  }) as typeof pool.query
  return carried
}
