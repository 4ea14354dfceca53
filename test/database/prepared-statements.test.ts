// PostgreSQL runs statements with parameters prepared under a name (lib/database/postgres-statements.ts): each is
// parsed once per connection and then only bound, and one whose result changed shape under it (a migration by another
// instance) is prepared again instead of failing every later call.
import { test } from 'tap'
import { sql } from 'kysely'
import { openDatabase } from '../../lib/database/database.js'
import { reusableQuery } from '../../lib/database/reusable-query.js'
import { build, freshDatabaseUrl, onPostgres, onPostgresServer } from '../helper.js'

const POSTGRES_ONLY = { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }

async function migrated (t: Parameters<typeof freshDatabaseUrl>[0]): Promise<string> {
  const url = await freshDatabaseUrl(t)
  await (await build(t, { databaseUrl: url })).close()
  return url
}

test('the service\'s statements are prepared once per connection, then only bound', POSTGRES_ONLY, async (t) => {
  const url = await migrated(t)
  const { db } = openDatabase(url, { poolSize: 1 })
  t.teardown(() => db.destroy())
  const tasksOf = reusableQuery(db, (owner: string) => db.selectFrom('tasks').selectAll().where('user_id', '=', owner))
  for (let call = 0; call < 3; call++) t.same(await tasksOf('nobody'), [])
  await db.selectFrom('users').select('id').where('username', '=', 'nobody').execute()
  const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)
  const statements = prepared.rows.map((row) => row.statement)
  t.equal(statements.filter((text) => text.includes('from "tasks"')).length, 1, 'the reusable query, prepared once for three calls')
  t.equal(statements.filter((text) => text.includes('from "users"')).length, 1, 'a query built by Kysely, prepared too')
})

test('a reusable query planned each time is sent unnamed: nothing is prepared for it', POSTGRES_ONLY, async (t) => {
  const url = await migrated(t)
  const { db } = openDatabase(url, { poolSize: 1 })
  t.teardown(() => db.destroy())
  const tasksOf = reusableQuery(db, (owners: string[]) => db.selectFrom('tasks').selectAll().where(sql<boolean>`user_id = any(${owners})`), { plannedEachTime: true })
  for (let call = 0; call < 3; call++) t.same(await tasksOf(['nobody', 'no one']), [])
  const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)
  t.same(prepared.rows.filter((row) => row.statement.includes('from "tasks"')), [], 'no prepared statement for it')
})

test('a statement whose table changed under it is prepared again, not refused for ever', POSTGRES_ONLY, async (t) => {
  const url = await migrated(t)
  const { db } = openDatabase(url, { poolSize: 1 })
  t.teardown(() => db.destroy())
  const tasksOf = reusableQuery(db, (owner: string) => db.selectFrom('tasks').selectAll().where('user_id', '=', owner))
  const usersNamed = (name: string) => db.selectFrom('users').selectAll().where('username', '=', name).execute()
  t.same(await tasksOf('nobody'), [])
  t.same(await usersNamed('nobody'), [])

  // As another instance's migration would: the connection's prepared statements now return a different shape.
  await onPostgresServer('alter table tasks add column added_later text', url)
  t.same(await tasksOf('nobody'), [], 'the reusable query is prepared again at once')

  t.same(await usersNamed('nobody'), [], 'prepared on the connection that replaced the one the stale statement closed')
  await onPostgresServer('alter table users add column added_later text', url)
  await t.rejects(usersNamed('nobody'), { code: '0A000' }, 'a query built by Kysely fails once (it may be in a transaction)...')
  t.same(await usersNamed('nobody'), [], '...and is prepared again on the next call')
})
