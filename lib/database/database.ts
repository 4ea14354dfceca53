// The one place that knows which SQL engine is behind DATABASE_URL.
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import type pg from 'pg'
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type PostgresPool, type PostgresPoolClient, type SqliteDialectConfig } from 'kysely'
import type { Database } from './database-types.js'
import { isStalePreparedStatement, renameStatement, statementName } from './postgres-statements.js'
import { withStatementCache } from './sqlite-statement-cache.js'
import { redactUrl } from '../redaction/url-redaction.js'

export type DialectName = 'sqlite' | 'postgres'

export interface DatabaseHandle {
  db: Kysely<Database>
  dialect: DialectName
  // Throws unless the database answers, and takes writes, within a short bound of its own (for /ready).
  checkWritable: () => Promise<void>
  // Closes what checkWritable keeps open (the database itself closes with db.destroy()).
  closeChecks: () => Promise<void>
}

export interface DatabaseOptions {
  poolSize?: number
}

// A query that runs longer, or a connection that cannot be had sooner, fails instead of piling up requests.
// The server applies the statement timeout; the client-side one also ends a query that a frozen server never
// answers, a little later so that a server that does answer gets to say why.
export const STATEMENT_TIMEOUT_MS = 5_000
export const QUERY_TIMEOUT_MS = 5_500
// Bounds both opening a connection and waiting for a free one when the pool is full.
export const CONNECT_TIMEOUT_MS = 3_000
// /ready's own bound, on a connection of its own, so a full or stuck pool cannot hold it.
export const READINESS_TIMEOUT_MS = 2_000
const SQLITE_BUSY_TIMEOUT_MS = 5_000
// SQLite's page cache per connection: SQLite's own default. better-sqlite3 builds it at 16 MiB, which the mixed load
// filled on top of the heap and two argon2 hashes (measured with npm run bench); the OS caches the file too.
const SQLITE_CACHE_KIB = 2048

export class DatabaseOpenError extends Error {
  constructor (message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DatabaseOpenError'
  }
}

// Rewrites the header's user_version with its own value: a real write, which fails on a read-only file or
// folder (SQLite opens those read-only without a word) and on a full disk. The value is not used otherwise.
function probeWrite (sqlite: SQLite.Database): void {
  const version = sqlite.pragma('user_version', { simple: true }) as number
  sqlite.pragma(`user_version = ${version}`)
}

// mkdirSync's recursive mode loops forever where mkdir answers ENOENT under a parent that exists (/proc/nope): each
// missing level is made here once, and the first failure is thrown.
function makeFolders (folder: string): void {
  const missing: string[] = []
  for (let current = folder; !existsSync(current) && dirname(current) !== current; current = dirname(current)) missing.unshift(current)
  for (const each of missing) mkdirSync(each)
}

function openSqlite (location: string): SQLite.Database {
  const inMemory = location === ':memory:'
  const path = inMemory ? location : resolve(location)
  let sqlite: SQLite.Database | undefined
  try {
    if (!inMemory) makeFolders(dirname(path))
    sqlite = new SQLite(path)
    if (!inMemory) sqlite.pragma('journal_mode = WAL')
    sqlite.pragma('synchronous = NORMAL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma(`cache_size = -${SQLITE_CACHE_KIB}`)
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
    probeWrite(sqlite)
    return sqlite
  } catch (error) {
    sqlite?.close()
    const reason = /readonly/i.test((error as { code?: string }).code ?? '')
      ? 'the file or its folder is read-only'
      : (error as Error).message
    throw new DatabaseOpenError(`Cannot use the SQLite database file ${path}: ${reason} (${(error as Error).message})`, { cause: error })
  }
}

// Every transaction here writes. A plain (deferred) BEGIN reads first and asks for the write lock only at its first
// write; when another process (a worker, npm run user) committed in between, SQLite refuses at once with SQLITE_BUSY,
// whatever the busy timeout. BEGIN IMMEDIATE takes the write lock first, waiting up to the busy timeout for it.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction (connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'))
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor (config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver (): Driver {
    return new ImmediateSqliteDriver(this.#config)
  }
}

// The write probe again, with a shorter busy wait: better-sqlite3 waits synchronously, so /ready must not wait long.
function checkSqliteWritable (sqlite: SQLite.Database): void {
  sqlite.pragma(`busy_timeout = ${READINESS_TIMEOUT_MS / 2}`)
  try {
    probeWrite(sqlite)
  } finally {
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`)
  }
}

// Every statement with parameters runs prepared (postgres-statements.ts). A connection whose query timed out on
// the client may still be busy on the server, or gone: it fails every later query at once (such as the ROLLBACK that
// follows), and is closed rather than given back to the pool, as is one holding a prepared statement gone stale.
function discardingTimedOutConnections (pool: pg.Pool): PostgresPool {
  return {
    async connect (): Promise<PostgresPoolClient> {
      const client = await pool.connect()
      let broken: Error | undefined
      return {
        async query (text: string, parameters: readonly unknown[]) {
          if (broken !== undefined) throw broken
          try {
            return await client.query({ name: statementName(text, parameters.length), text, values: [...parameters] })
          } catch (error) {
            const stale = isStalePreparedStatement(error)
            if (stale) renameStatement(text)
            if (stale || (error as Error).message === 'Query read timeout') broken = error as Error
            throw error
          }
        },
        release (destroy?: boolean) {
          client.release(destroy === true || broken !== undefined)
        }
      // Without a cursor class in the dialect's config (none here), Kysely never passes query() a cursor.
      } as unknown as PostgresPoolClient
    },
    end: () => pool.end()
  }
}

// Loaded only for a postgres:// URL: an instance on SQLite does not carry the driver (3 MB of memory).
function loadPg (): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg
}

// A pool whose every wait is bounded: opening or waiting for a connection, a statement on the server, a query on the
// client. A connection lost while idle, or in the middle of a query, must not crash the process: the query that was
// running fails on its own (and answers 503), and the pool opens a new connection for the next one.
function boundedPool (url: string, { max, statementTimeoutMs, queryTimeoutMs, connectTimeoutMs, idleTimeoutMs }: {
  max: number, statementTimeoutMs: number, queryTimeoutMs: number, connectTimeoutMs: number, idleTimeoutMs: number
}): pg.Pool {
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max,
    statement_timeout: statementTimeoutMs,
    query_timeout: queryTimeoutMs,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs
  })
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

function openPostgres (url: string, poolSize: number): pg.Pool {
  return boundedPool(url, { max: poolSize, statementTimeoutMs: STATEMENT_TIMEOUT_MS, queryTimeoutMs: QUERY_TIMEOUT_MS, connectTimeoutMs: CONNECT_TIMEOUT_MS, idleTimeoutMs: 30_000 })
}

// /ready's connection: one, kept apart from the pool, every step bounded; it also says whether the server takes writes.
function postgresReadinessCheck (url: string) {
  const pool = boundedPool(url, { max: 1, statementTimeoutMs: READINESS_TIMEOUT_MS, queryTimeoutMs: READINESS_TIMEOUT_MS, connectTimeoutMs: READINESS_TIMEOUT_MS, idleTimeoutMs: 60_000 })
  return {
    async check (): Promise<void> {
      const client = await pool.connect()
      let failure: Error | undefined
      try {
        const { rows } = await client.query<{ read_only: string }>("select current_setting('transaction_read_only') as read_only")
        if (rows[0]?.read_only === 'on') throw Object.assign(new Error('The database is read-only'), { code: '25006' })
      } catch (error) {
        failure = error as Error
        throw error
      } finally {
        client.release(failure)
      }
    },
    close: () => pool.end()
  }
}

export interface PoolState {
  max: number
  total: number
  idle: number
  waiting: number
}

const pools = new WeakMap<Kysely<any>, pg.Pool>()
const sqliteConnections = new WeakMap<Kysely<any>, SQLite.Database>()

// The one connection behind a SQLite database (reusable-query.ts reads through it); undefined on PostgreSQL.
export function sqliteConnectionOf (db: Kysely<any>): SQLite.Database | undefined {
  return sqliteConnections.get(db)
}

// The pool behind a PostgreSQL database (lib/database/reusable-query.ts runs on it); undefined on SQLite.
export function postgresPoolOf (db: Kysely<any>): pg.Pool | undefined {
  return pools.get(db)
}

// The connection pool's occupancy, for metrics; undefined on SQLite, which has one connection and no pool.
export function poolState (db: Kysely<Database>): PoolState | undefined {
  const pool = pools.get(db)
  if (pool === undefined) return undefined
  return { max: pool.options.max ?? 10, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
}

export function openDatabase (url: string, { poolSize = 10 }: DatabaseOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const sqlite = openSqlite(url.slice('sqlite:'.length))
    const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) })
    sqliteConnections.set(db, sqlite)
    return {
      db,
      dialect: 'sqlite',
      checkWritable: async () => checkSqliteWritable(sqlite),
      closeChecks: async () => {}
    }
  }
  const pool = openPostgres(url, poolSize)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: discardingTimedOutConnections(pool) }) })
  pools.set(db, pool)
  const readiness = postgresReadinessCheck(url)
  return { db, dialect: 'postgres', checkWritable: readiness.check, closeChecks: readiness.close }
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
