// The one place that knows which SQL engine is behind DATABASE_URL.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import type { Database } from './database-types.js'
import { withStatementCache } from './sqlite-statement-cache.js'
import { redactUrl } from './url-redaction.js'

export type DialectName = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<Database>
  dialect: DialectName
}

export interface DatabaseOptions {
  poolSize?: number
}

// A query that runs longer, or a connection that cannot be had sooner, fails instead of piling up requests.
const STATEMENT_TIMEOUT_MS = 5_000
const CONNECT_TIMEOUT_MS = 3_000

function openSqlite (location: string): SQLite.Database {
  const inMemory = location === ':memory:'
  if (!inMemory) mkdirSync(dirname(resolve(location)), { recursive: true })
  const sqlite = new SQLite(location)
  if (!inMemory) sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return sqlite
}

function openPostgres (url: string, poolSize: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000
  })
  // A connection lost while idle, or in the middle of a query, must not crash the process: the query that
  // was running fails on its own (and answers 503), and the pool opens a new connection for the next one.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

export interface PoolState {
  max: number
  total: number
  idle: number
  waiting: number
}

const pools = new WeakMap<Kysely<Database>, pg.Pool>()

// The connection pool's occupancy, for metrics; undefined on SQLite, which has one connection and no pool.
export function poolState (db: Kysely<Database>): PoolState | undefined {
  const pool = pools.get(db)
  if (pool === undefined) return undefined
  return { max: pool.options.max ?? 10, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
}

export function openDatabase (url: string, { poolSize = 10 }: DatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const sqlite = openSqlite(url.slice('sqlite:'.length))
    return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }), dialect: 'sqlite' }
  }
  const pool = openPostgres(url, poolSize)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  pools.set(db, pool)
  return { db, dialect: 'postgres' }
}

// The URL without its password (in any of its forms), for log lines and error messages.
export function describeDatabaseUrl (url: string): string {
  return url.startsWith('sqlite:') ? url : redactUrl(url)
}

function errorCode (error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

export function isUniqueViolation (error: unknown): boolean {
  const code = errorCode(error)
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505'
}

// A row that references one which is gone (a session of a user deleted meanwhile): the request lost a race, not a bug.
export function isForeignKeyViolation (error: unknown): boolean {
  const code = errorCode(error)
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503'
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE',
  '57P01', '57P02', '57P03', '53300', '57014', '08000', '08001', '08003', '08004', '08006',
  'SQLITE_BUSY'
])

// Failures that say the database cannot answer right now (as opposed to a bug in a query).
export function isDatabaseUnavailable (error: unknown): boolean {
  if (UNAVAILABLE_CODES.has(errorCode(error) as string)) return true
  const message = error instanceof Error ? error.message : ''
  return /timeout exceeded when trying to connect|Connection terminated|connection .*closed|Client has encountered a connection error/i.test(message)
}
