// The db plugin with only the config it needs: migrations at start, once per database, and the SQLite file's folder.
// On the suite's PostgreSQL run the shared-database tests use a PostgreSQL schema of their own.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import type { Config } from '../../lib/config.js'
import configPlugin from '../../plugins/config.js'
import db from '../../plugins/db.js'
import { freshDatabaseUrl, onPostgres, testConfig } from '../helper.js'

const APP_TABLES = ['idempotency_keys', 'refresh_tokens', 'sessions', 'signing_keys', 'tasks', 'users']
// SQLite's task version triggers keep the row an INSERT OR REPLACE replaces for a moment (migrations/0004).
const SQLITE_TABLES = [...APP_TABLES, 'tasks_replaced'].sort()

function appTables (app: FastifyInstance): string[] {
  return app.dialect === 'sqlite' ? SQLITE_TABLES : APP_TABLES
}

interface LogLine {
  level: number
  msg: string
  migrations?: string[]
}

async function buildDb (t: Test, overrides: Partial<Config> = {}): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: testConfig(overrides) })
  await app.register(db)
  await app.ready()
  return { app, logs }
}

// Tables of this database only (on PostgreSQL, of this test's schema), without Kysely's bookkeeping.
async function tableNames (app: FastifyInstance): Promise<string[]> {
  const { rows } = app.dialect === 'postgres'
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name`.execute(app.db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(app.db)
  return rows.map((row) => row.name).filter((name) => !name.startsWith('kysely_'))
}

async function columnNames (app: FastifyInstance, table: string): Promise<string[]> {
  const { rows } = app.dialect === 'postgres'
    ? await sql<{ name: string }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(app.db)
    : await sql<{ name: string }>`select name from pragma_table_info(${table}) order by cid`.execute(app.db)
  return rows.map((row) => row.name)
}

async function appliedMigrations (app: FastifyInstance): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(app.db)
  return rows.map((row) => row.name)
}

const aUser = (id: string, username: string) => ({ id, username, name: username, password_hash: 'x', role: 'normal' as const, disabled: 0, created_at: 'now', updated_at: 'now' })

test('migrations create every table on a fresh database', async (t) => {
  const { app, logs } = await buildDb(t, { databaseUrl: await freshDatabaseUrl(t) })
  t.equal(app.dialect, onPostgres ? 'postgres' : 'sqlite')
  t.same(await tableNames(app), appTables(app))
  t.same(await appliedMigrations(app), ['0001-initial', '0002-credential-version', '0003-task-versions', '0004-task-version-triggers', '0005-postgres-row-update-triggers'])
  t.match(logs.filter((line) => line.msg === 'database migrated'), [{ level: 30, migrations: ['0001-initial', '0002-credential-version', '0003-task-versions', '0004-task-version-triggers', '0005-postgres-row-update-triggers'] }], 'the migrations are logged')
})

test('an in-memory SQLite database is migrated too', async (t) => {
  const { app } = await buildDb(t, { databaseUrl: 'sqlite::memory:' })
  t.equal(app.dialect, 'sqlite')
  t.same(await tableNames(app), appTables(app))
})

test('the tables have the columns the repositories use', async (t) => {
  const { app } = await buildDb(t, { databaseUrl: await freshDatabaseUrl(t) })
  t.same(await columnNames(app, 'users'), ['id', 'username', 'name', 'password_hash', 'role', 'disabled', 'created_at', 'updated_at', 'credential_version', 'demoted_at', 'tasks_version'])
  t.same(await columnNames(app, 'sessions'), ['id', 'user_id', 'created_at', 'expires_at', 'revoked_at', 'credential_version'])
  t.same(await columnNames(app, 'refresh_tokens'), ['token_hash', 'session_id', 'created_at', 'used_at'])
  t.same(await columnNames(app, 'tasks'), ['id', 'user_id', 'title', 'description', 'done', 'due', 'created_at', 'updated_at', 'version'])
  t.same(await columnNames(app, 'signing_keys'), ['kid', 'algorithm', 'public_key', 'private_key', 'created_at', 'retired_at'])
  t.same(await columnNames(app, 'idempotency_keys'), ['user_id', 'key', 'request_hash', 'created_at', 'response_status', 'response_body', 'response_location', 'response_etag'])
})

test('usernames are unique without regard to case, and foreign keys are enforced', async (t) => {
  const { app } = await buildDb(t, { databaseUrl: await freshDatabaseUrl(t) })
  await app.db.insertInto('users').values(aUser('u1', 'Alice')).execute()
  await t.rejects(app.db.insertInto('users').values(aUser('u2', 'alice')).execute(), { code: /^(SQLITE_CONSTRAINT_UNIQUE|23505)$/ }, 'alice after Alice')
  await t.rejects(
    app.db.insertInto('tasks').values({ user_id: 'nobody', title: 't', description: '', done: 0, due: 'now', created_at: 'now', updated_at: 'now' }).execute(),
    { code: /^(SQLITE_CONSTRAINT_FOREIGNKEY|23503)$/ },
    'a task of no user'
  )
  t.same(await app.db.selectFrom('users').select('username').execute(), [{ username: 'Alice' }])
})

// docs/operations.md tells operators to set PostgreSQL's durability this way: it must reach the pool's connections.
test('server settings in DATABASE_URL\'s options reach every PostgreSQL connection', { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }, async (t) => {
  const url = new URL(await freshDatabaseUrl(t))
  url.searchParams.set('options', `${url.searchParams.get('options') ?? ''} -c synchronous_commit=off`)
  const { app } = await buildDb(t, { databaseUrl: url.toString() })
  const settings = await Promise.all(Array.from({ length: 4 }, async () => (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(app.db)).rows[0]))
  t.same(settings, Array(4).fill({ synchronous_commit: 'off' }), 'four queries at once, each on a connection with the setting')
  t.same(await tableNames(app), appTables(app), 'the other options (this test\'s schema) still apply')
})

test('a second start on the same database does not run the migrations again', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await buildDb(t, { databaseUrl })
  await first.app.db.insertInto('users').values(aUser('kept', 'kept')).execute()
  t.equal(first.logs.filter((line) => line.msg === 'database migrated').length, 1, 'the first start migrates')
  await first.app.close()

  const second = await buildDb(t, { databaseUrl })
  t.same(second.logs.filter((line) => line.msg === 'database migrated'), [], 'the second start does not')
  t.same(await appliedMigrations(second.app), ['0001-initial', '0002-credential-version', '0003-task-versions', '0004-task-version-triggers', '0005-postgres-row-update-triggers'], 'each migration is recorded once')
  t.same(await second.app.db.selectFrom('users').select('id').execute(), [{ id: 'kept' }], 'the data survives')
})

test('a missing folder in a sqlite: path is created', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'not', 'yet', 'there', 'app.db')
  t.equal(existsSync(join(dir, 'not')), false, 'the folder is missing before the start')
  const { app } = await buildDb(t, { databaseUrl: `sqlite:${file}` })
  t.equal(existsSync(file), true, 'the database file exists')
  t.same(await tableNames(app), appTables(app))
})

test('a folder that cannot be made (under /proc) fails the start at once, naming the path', { skip: existsSync('/proc/self') ? false : 'needs Linux /proc' }, async (t) => {
  // Node's recursive mkdir loops forever here; the start must fail instead.
  await t.rejects(buildDb(t, { databaseUrl: 'sqlite:/proc/nope/x.db' }), { message: /Cannot use the SQLite database file \/proc\/nope\/x\.db: .*ENOENT/ })
})

test('closing the app closes the database', async (t) => {
  const { app } = await buildDb(t, { databaseUrl: await freshDatabaseUrl(t) })
  const database = app.db
  await app.close()
  await t.rejects(database.selectFrom('users').selectAll().execute(), { message: /destroyed/ })
})
