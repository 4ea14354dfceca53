// POST /todo with Idempotency-Key: a retry replays the first answer, another body is 422, a retry during the first is 409.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test } from 'tap'
import { build, freshDatabaseUrl, loggedInUser, type LoggedInUser } from '../helper.js'

async function post (app: FastifyInstance, user: LoggedInUser, key: string, payload: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/todo', headers: { ...user.auth, 'idempotency-key': key }, payload })
}

async function taskCount (app: FastifyInstance, userId: string): Promise<number> {
  return (await app.db.selectFrom('tasks').select('id').where('user_id', '=', userId).execute()).length
}

test('the same key and body replays the first answer (status, body, Location, ETag) and creates nothing', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const first = await post(app, alice, 'key-1', { title: 'milk', due: '2026-12-01' })
  t.equal(first.statusCode, 201)
  t.equal(first.headers.location, `/todo/${first.json().id as number}`)
  t.match(first.headers.etag, /^"[^"]+"$/)
  const retry = await post(app, alice, 'key-1', { title: 'milk', due: '2026-12-01' })
  t.equal(retry.statusCode, 201)
  t.equal(retry.body, first.body, 'byte for byte')
  t.equal(retry.headers.location, first.headers.location)
  t.equal(retry.headers.etag, first.headers.etag)
  t.equal(await taskCount(app, alice.id), 1, 'one task')

  const bobs = await post(app, bob, 'key-1', { title: 'milk', due: '2026-12-01' })
  t.equal(bobs.statusCode, 201, 'keys are per user')
  t.not(bobs.json().id, first.json().id)
  const another = await post(app, alice, 'key-2', { title: 'milk', due: '2026-12-01' })
  t.equal(another.statusCode, 201, 'another key creates another task')
  t.equal(await taskCount(app, alice.id), 2)
})

test('the same key with another body answers 422 idempotency_key_reused', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await post(app, alice, 'key-1', { title: 'milk' })
  const reused = await post(app, alice, 'key-1', { title: 'bread' })
  t.equal(reused.statusCode, 422)
  t.same(reused.json(), { statusCode: 422, error: 'Unprocessable Entity', code: 'idempotency_key_reused', message: 'This Idempotency-Key was already used with another body' })
  t.equal(await taskCount(app, alice.id), 1)
})

test('a retry while the first request is still running answers 409 idempotency_key_in_progress', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  // Hold the first request inside its insert until the second has been answered.
  const create = app.tasks.create
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let entered!: () => void
  const inside = new Promise<void>((resolve) => { entered = resolve })
  app.tasks.create = async function slowCreate (...args: Parameters<typeof create>) {
    entered()
    await released
    return await create(...args)
  }
  const first = post(app, alice, 'key-1', { title: 'milk' })
  await inside
  const second = await post(app, alice, 'key-1', { title: 'milk' })
  t.equal(second.statusCode, 409)
  t.same(second.json(), { statusCode: 409, error: 'Conflict', code: 'idempotency_key_in_progress', message: 'A request with this Idempotency-Key is still running; retry later' })
  release()
  const firstAnswer = await first
  t.equal(firstAnswer.statusCode, 201)
  app.tasks.create = create
  const third = await post(app, alice, 'key-1', { title: 'milk' })
  t.equal(third.statusCode, 201, 'once done, a retry replays it')
  t.equal(third.body, firstAnswer.body)
  t.equal(await taskCount(app, alice.id), 1)
})

test('a request that failed frees its key for a retry', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const create = app.tasks.create
  app.tasks.create = async function failingCreate () { throw new Error('boom') }
  const failed = await post(app, alice, 'key-1', { title: 'milk' })
  t.equal(failed.statusCode, 500)
  t.equal(failed.json().code, 'internal_error')
  app.tasks.create = create
  const retry = await post(app, alice, 'key-1', { title: 'milk' })
  t.equal(retry.statusCode, 201)
  t.equal(await taskCount(app, alice.id), 1)
})

test('keys older than 24 hours are forgotten: the key works again and old ones are purged', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await post(app, alice, 'old', { title: 'milk' })
  const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000 - 1000).toISOString()
  await app.db.updateTable('idempotency_keys').set({ created_at: dayAgo }).execute()
  const again = await post(app, alice, 'old', { title: 'bread' })
  t.equal(again.statusCode, 201, 'an expired key is a new key')
  t.equal(again.json().title, 'bread')
  t.equal(await taskCount(app, alice.id), 2)
})

test('a malformed Idempotency-Key answers 400 validation_error', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  for (const key of ['', 'x'.repeat(256), 'tab\there', 'caf\u00e9']) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: { ...alice.auth, 'idempotency-key': key }, payload: { title: 'milk' } })
    t.equal(response.statusCode, 400, JSON.stringify(key))
    t.equal(response.json().code, 'validation_error')
    t.match(response.json().message, /idempotency-key/)
  }
  t.equal(await taskCount(app, alice.id), 0)
  const longest = await post(app, alice, 'x'.repeat(255), { title: 'milk' })
  t.equal(longest.statusCode, 201, '255 characters are fine')
})

test('a key used on instance A is replayed by instance B (one database)', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const instanceA = await build(t, { databaseUrl })
  const instanceB = await build(t, { databaseUrl })
  const alice = await loggedInUser(instanceA)
  const first = await post(instanceA, alice, 'shared', { title: 'milk' })
  t.equal(first.statusCode, 201)
  const retry = await post(instanceB, alice, 'shared', { title: 'milk' })
  t.equal(retry.statusCode, 201)
  t.equal(retry.body, first.body)
  t.equal(retry.headers.location, first.headers.location)
  const reused = await post(instanceB, alice, 'shared', { title: 'bread' })
  t.equal(reused.statusCode, 422)
  t.equal(reused.json().code, 'idempotency_key_reused')
  t.equal(await taskCount(instanceB, alice.id), 1)
})
