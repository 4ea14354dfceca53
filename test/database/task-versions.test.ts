// migrations/0003: every change to a user's tasks moves their tasks_version and the task's version, whatever writes it.
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { test } from 'tap'
import { ADMIN, build, loggedInAdmin, loggedInUser } from '../helper.js'

async function ownerVersion (app: FastifyInstance, userId: string): Promise<number> {
  const row = await app.db.selectFrom('users').select('tasks_version').where('id', '=', userId).executeTakeFirstOrThrow()
  return Number(row.tasks_version)
}

async function taskVersion (app: FastifyInstance, id: number): Promise<number> {
  const row = await app.db.selectFrom('tasks').select('version').where('id', '=', id).executeTakeFirstOrThrow()
  return Number(row.version)
}

test('every write route moves the owner\'s tasks_version; updates move the task\'s version', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  t.equal(await ownerVersion(app, alice.id), 0, 'a new user starts at 0')

  const created = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'one' } })
  t.equal(created.statusCode, 201)
  const id: number = created.json().id
  t.equal(await ownerVersion(app, alice.id), 1, 'POST /todo')
  t.equal(await taskVersion(app, id), 1, 'a new task is at version 1')

  const updated = await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: 'two' } })
  t.equal(updated.statusCode, 200)
  t.equal(await ownerVersion(app, alice.id), 2, 'PUT /todo/:id')
  t.equal(await taskVersion(app, id), 2, 'PUT moves the task once')

  const marked = await app.inject({ method: 'PUT', url: `/todo/mark/${id}/1`, headers: admin.auth })
  t.equal(marked.statusCode, 200)
  t.equal(await ownerVersion(app, alice.id), 3, 'PUT /todo/mark (by an admin) moves the owner\'s version')
  t.equal(await taskVersion(app, id), 3)

  const removed = await app.inject({ method: 'DELETE', url: `/todo/${id}`, headers: alice.auth })
  t.equal(removed.statusCode, 204)
  t.equal(await ownerVersion(app, alice.id), 4, 'DELETE /todo/:id')
  t.equal(await ownerVersion(app, admin.id), 0, 'nobody else\'s version moved')
})

test('concurrent writes of one task, each one statement: none is lost, each moves both versions once', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const id: number = (await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'start' } })).json().id
  const puts = await Promise.all(Array.from({ length: 10 }, async (_, n) =>
    await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: `writer ${n}`, description: `by ${n}` } })))
  const marks = await Promise.all(Array.from({ length: 5 }, async (_, n) =>
    await app.inject({ method: 'PUT', url: `/todo/mark/${id}/${n % 2}`, headers: admin.auth })))
  t.same([...puts, ...marks].map((response) => response.statusCode), Array(15).fill(200))
  const versions = [...puts, ...marks].map((response) => response.headers.etag).sort()
  t.equal(new Set(versions).size, 15, 'each write answered a version of its own')
  t.equal(await taskVersion(app, id), 16, 'the task moved once per write')
  t.equal(await ownerVersion(app, alice.id), 16, 'and so did its owner')
  const shown = (await app.inject({ method: 'GET', url: `/todo/${id}`, headers: alice.auth })).json()
  t.match(shown.title, /^writer \d$/)
  t.equal(shown.description, `by ${String(shown.title).slice('writer '.length)}`, 'title and description from the same write')
})

test('a write that bypasses the repository still moves both versions (triggers)', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const created = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'one' } })
  const id: number = created.json().id
  await sql`update tasks set title = 'by hand' where id = ${id}`.execute(app.db)
  t.equal(await ownerVersion(app, alice.id), 2)
  t.equal(await taskVersion(app, id), 2)
  await sql`delete from tasks where id = ${id}`.execute(app.db)
  t.equal(await ownerVersion(app, alice.id), 3)
})

test('deleting a user cascades to their tasks without tripping the triggers', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'one' } })
  const response = await app.inject({ method: 'DELETE', url: `/users/${alice.id}`, headers: admin.auth })
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')
  const left = await app.db.selectFrom('tasks').select('id').where('user_id', '=', alice.id).execute()
  t.same(left, [])
})

test('the owner version comes with the session read of authenticate', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'one' } })
  const session = await app.db.selectFrom('sessions').select('id').where('user_id', '=', alice.id).executeTakeFirstOrThrow()
  const owner = await app.sessions.findWithOwner(session.id)
  t.equal(Number(owner?.tasksVersion), 1)
})
