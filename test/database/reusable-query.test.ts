// Queries compiled once (lib/database/reusable-query.ts) get each call's arguments in their places, beside the constants
// the query was built with, on both engines; and SQLite's statement cache keeps a bounded number of statements.
import { test } from 'tap'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { openDatabase } from '../../lib/database/database.js'
import { reusableQuery } from '../../lib/database/reusable-query.js'
import { createUsersRepository } from '../../plugins/repositories/users.js'
import { withStatementCache } from '../../lib/database/sqlite-statement-cache.js'
import { build, freshDatabaseUrl } from '../helper.js'

test('each call runs with its own arguments, in any order, beside the constants', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  await (await build(t, { databaseUrl })).close()
  const { db } = openDatabase(databaseUrl)
  t.teardown(() => db.destroy())
  let builds = 0
  const echo = reusableQuery(db, (second: string, first: number) => {
    builds++
    return db.selectNoFrom([
      sql<number>`${first}`.as('first'),
      sql<string>`${second}`.as('second'),
      sql<string>`${'constant'}`.as('constant')
    ])
  })
  const normalize = (rows: Array<{ first: unknown, second: unknown, constant: unknown }>) => rows.map((row) => ({ ...row, first: Number(row.first) }))
  t.same(normalize(await echo('b', 1)), [{ first: 1, second: 'b', constant: 'constant' }])
  t.same(normalize(await echo('z', 26)), [{ first: 26, second: 'z', constant: 'constant' }], 'new arguments, not the first call\'s')
  t.equal(builds, 1, 'built and compiled once')
})

test('the SQLite statement cache prepares each SQL text once and keeps at most its capacity', async (t) => {
  const sqlite = new SQLite(':memory:')
  t.teardown(() => sqlite.close())
  let prepared = 0
  const counting = Object.assign(Object.create(sqlite) as SQLite.Database, {
    prepare (text: string) {
      prepared++
      return sqlite.prepare(text)
    }
  })
  const cache = withStatementCache(counting, 2)
  t.equal(cache.prepare('select 1'), cache.prepare('select 1'), 'the same statement again')
  t.equal(prepared, 1)
  cache.prepare('select 2')
  cache.prepare('select 3')
  t.equal(prepared, 3)
  cache.prepare('select 1')
  t.equal(prepared, 4, 'the oldest was forgotten past the capacity')
  t.same(cache.prepare('select 3').all([]), [{ 3: 3 }])
})

// SQLite's reads skip Kysely's executor (lib/database/reusable-query.ts), but never while another caller's transaction
// is open on the one connection: they would see its uncommitted rows. PostgreSQL reads on a connection of their own.
test('a read never sees the rows of a transaction still open, and rows read are the same as through Kysely', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  await (await build(t, { databaseUrl })).close()
  const { db } = openDatabase(databaseUrl)
  t.teardown(() => db.destroy())
  const usersNamed = reusableQuery(db, (username: string) => db.selectFrom('users').selectAll().where('username', '=', username))

  let insertedUncommitted!: () => void
  const uncommitted = new Promise<void>((resolve) => { insertedUncommitted = resolve })
  let rollBack!: () => void
  const holding = new Promise<void>((resolve) => { rollBack = resolve })
  const transaction = db.transaction().execute(async (trx) => {
    await createUsersRepository(trx).create({ username: 'uncommitted', name: 'Not yet', passwordHash: 'x', role: 'normal' })
    insertedUncommitted()
    await holding
    throw new Error('rolled back on purpose')
  })
  await uncommitted
  const read = usersNamed('uncommitted')
  await new Promise((resolve) => setImmediate(resolve))
  rollBack()
  await t.rejects(transaction, /rolled back on purpose/)
  t.same(await read, [], 'the uncommitted row was never seen')

  const created = await createUsersRepository(db).create({ username: 'committed', name: 'Saved', passwordHash: 'x', role: 'normal' })
  const throughKysely = await db.selectFrom('users').selectAll().where('username', '=', 'committed').execute()
  t.same(await usersNamed('committed'), throughKysely, 'every column, named and typed as Kysely gives it')
  t.equal((await usersNamed('committed'))[0]?.id, created.id)
})
