// Every way an operator can change a row of tasks by hand (plain SQL on another connection, as sqlite3 or psql would)
// moves the tasks_version of every owner who can see it, so no one is served a stale page (304 or a cached copy):
// an owner change both ways, INSERT OR REPLACE, an upsert, a delete, bulk statements, and a version moved backwards.
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { test, type Test } from 'tap'
import { build, freshDatabaseUrl, loggedInUser, onPostgres, type LoggedInUser } from '../helper.js'

interface Operator {
  run: (statement: string) => Promise<void>
}

// A connection of its own, as an operator's shell would be: nothing of the app's code is involved in the write.
async function operatorConnection (t: Test, databaseUrl: string): Promise<Operator> {
  if (databaseUrl.startsWith('sqlite:')) {
    const sqlite = new Database(databaseUrl.slice('sqlite:'.length))
    t.teardown(() => sqlite.close())
    return { run: async (statement) => { sqlite.exec(statement) } }
  }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  t.teardown(() => client.end())
  return { run: async (statement) => { await client.query(statement) } }
}

interface Scene {
  app: FastifyInstance
  operator: Operator
  alice: LoggedInUser
  bob: LoggedInUser
  aliceTasks: number[]
  bobTasks: number[]
}

async function scene (t: Test): Promise<Scene> {
  const databaseUrl = await freshDatabaseUrl(t)
  const app = await build(t, { databaseUrl })
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const create = async (user: LoggedInUser, title: string): Promise<number> => {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title } })
    if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
    return response.json().id
  }
  const aliceTasks = [await create(alice, 'alice one'), await create(alice, 'alice two')]
  const bobTasks = [await create(bob, 'bob one')]
  return { app, operator: await operatorConnection(t, databaseUrl), alice, bob, aliceTasks, bobTasks }
}

interface Page { etag: string, ids: number[] }

async function page (app: FastifyInstance, user: LoggedInUser): Promise<Page> {
  const response = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  if (response.statusCode !== 200) throw new Error(`GET /todo: ${response.statusCode} ${response.body}`)
  return { etag: String(response.headers.etag), ids: response.json().map((task: { id: number }) => task.id) }
}

// What the user gets when they revalidate the page they had: a new page (200) with these tasks, never a 304.
async function assertNewPage (t: Test, app: FastifyInstance, user: LoggedInUser, before: Page, ids: number[], who: string): Promise<void> {
  const response = await app.inject({ method: 'GET', url: '/todo', headers: { ...user.auth, 'if-none-match': before.etag } })
  t.equal(response.statusCode, 200, `${who}: the page they had is no longer current`)
  t.not(response.headers.etag, before.etag, `${who}: a new ETag`)
  t.same(response.json().map((task: { id: number }) => task.id).sort(), [...ids].sort(), `${who}: the page shows the change`)
  t.same(await page(app, user), { etag: String(response.headers.etag), ids: response.json().map((task: { id: number }) => task.id) }, `${who}: the page cache serves the new page`)
}

async function taskVersion (app: FastifyInstance, id: number): Promise<number> {
  const row = await app.db.selectFrom('tasks').select('version').where('id', '=', id).executeTakeFirstOrThrow()
  return Number(row.version)
}

function row (id: number, userId: string, title: string): string {
  const now = new Date().toISOString()
  return `(${id}, '${userId}', '${title}', '', 0, '${now}', '${now}', '${now}')`
}
const COLUMNS = '(id, user_id, title, description, done, due, created_at, updated_at)'

test('UPDATE tasks SET user_id: the old owner and the new owner both get a new page', async (t) => {
  const { app, operator, alice, bob, aliceTasks, bobTasks } = await scene(t)
  const [moved, kept] = aliceTasks as [number, number]
  const [aliceBefore, bobBefore, versionBefore] = [await page(app, alice), await page(app, bob), await taskVersion(app, moved)]
  await operator.run(`update tasks set user_id = '${bob.id}' where id = ${moved}`)
  await assertNewPage(t, app, alice, aliceBefore, [kept], 'the old owner')
  await assertNewPage(t, app, bob, bobBefore, [...bobTasks, moved], 'the new owner')
  t.ok(await taskVersion(app, moved) > versionBefore, 'the task\'s own version moved')

  // And back, in bulk: every task of bob's to alice.
  const [aliceMiddle, bobMiddle] = [await page(app, alice), await page(app, bob)]
  await operator.run(`update tasks set user_id = '${alice.id}' where user_id = '${bob.id}'`)
  await assertNewPage(t, app, alice, aliceMiddle, [...aliceTasks, ...bobTasks], 'the new owner of a bulk move')
  await assertNewPage(t, app, bob, bobMiddle, [], 'the old owner of a bulk move')
})

test('a row replaced by another owner\'s (INSERT OR REPLACE on SQLite, an upsert on both): both owners get a new page and the task a new version', async (t) => {
  const { app, operator, alice, bob, aliceTasks, bobTasks } = await scene(t)
  const [first, second] = aliceTasks as [number, number]
  const statements: Array<[number, string]> = [
    [second, `insert into tasks ${COLUMNS} values ${row(second, bob.id, 'upserted')} on conflict (id) do update set user_id = excluded.user_id, title = excluded.title`]
  ]
  if (!onPostgres) statements.unshift([first, `insert or replace into tasks ${COLUMNS} values ${row(first, bob.id, 'replaced')}`])
  const bobHas = [...bobTasks]
  const aliceHas = [...aliceTasks]
  for (const [id, statement] of statements) {
    const [aliceBefore, bobBefore] = [await page(app, alice), await page(app, bob)]
    const tagBefore = (await app.inject({ method: 'GET', url: `/todo/${id}`, headers: alice.auth })).headers.etag
    await operator.run(statement)
    aliceHas.splice(aliceHas.indexOf(id), 1)
    bobHas.push(id)
    await assertNewPage(t, app, alice, aliceBefore, aliceHas, `the old owner (${statement.slice(0, 17)})`)
    await assertNewPage(t, app, bob, bobBefore, bobHas, `the new owner (${statement.slice(0, 17)})`)
    const now = await app.inject({ method: 'GET', url: `/todo/${id}`, headers: { ...bob.auth, 'if-none-match': String(tagBefore) } })
    t.equal(now.statusCode, 200, 'the task\'s old ETag does not name the new content')
    t.not(now.headers.etag, tagBefore)
  }
})

test('delete and bulk statements: every owner whose tasks changed gets a new page', async (t) => {
  const { app, operator, alice, bob, aliceTasks, bobTasks } = await scene(t)
  const [first, second] = aliceTasks as [number, number]

  let [aliceBefore, bobBefore] = [await page(app, alice), await page(app, bob)]
  await operator.run(`delete from tasks where id = ${first}`)
  await assertNewPage(t, app, alice, aliceBefore, [second], 'the owner of a deleted task')
  t.same(await page(app, bob), bobBefore, 'another owner keeps their page')

  ;[aliceBefore, bobBefore] = [await page(app, alice), await page(app, bob)]
  await operator.run('update tasks set done = 1')
  await assertNewPage(t, app, alice, aliceBefore, [second], 'a bulk update (alice)')
  await assertNewPage(t, app, bob, bobBefore, bobTasks, 'a bulk update (bob)')

  ;[aliceBefore, bobBefore] = [await page(app, alice), await page(app, bob)]
  await operator.run('delete from tasks')
  await assertNewPage(t, app, alice, aliceBefore, [], 'a bulk delete (alice)')
  await assertNewPage(t, app, bob, bobBefore, [], 'a bulk delete (bob)')
})

test('a hand-written version that goes backwards still gives the task a version it never had', async (t) => {
  const { app, operator, alice, aliceTasks } = await scene(t)
  const [id] = aliceTasks as [number]
  await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: 'renamed' } })
  const before = await taskVersion(app, id)
  t.ok(before >= 2)
  await operator.run(`update tasks set title = 'by hand', version = 1 where id = ${id}`)
  t.ok(await taskVersion(app, id) > before, `the version moved forward (${before} -> ${await taskVersion(app, id)})`)
})
