// POST, PUT and DELETE /todo and PUT /todo/mark: validation, ownership, the admin's rights, cross-user isolation.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { test } from 'tap'
import type { Task } from '../../schemas/todo.js'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'
import { MAX_TASK_ID } from '../../schemas/todo.js'

const BARE_CHALLENGE = 'Bearer realm="todo"'
const REFUSED_CHALLENGE = 'Bearer realm="todo", error="invalid_token"'
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

async function createTask (app: FastifyInstance, user: LoggedInUser, payload: Record<string, unknown>): Promise<Task> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload })
  if (response.statusCode !== 201) throw new Error(`create task: ${response.statusCode} ${response.body}`)
  return response.json()
}

async function readTask (app: FastifyInstance, user: LoggedInUser, id: number): Promise<{ statusCode: number, body: unknown }> {
  const response = await app.inject({ method: 'GET', url: `/todo/${id}`, headers: user.auth })
  return { statusCode: response.statusCode, body: response.json() }
}

function errorBody (statusCode: number, code: string, message: unknown = String): Record<string, unknown> {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[statusCode]
  return { statusCode, error, message, code }
}

// Timestamps are stored to the millisecond; waiting a little guarantees a later one.
async function nextMillisecond (): Promise<void> {
  await sleep(5)
}

test('POST /todo creates a task: 201, Location, and the whole task', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)

  const response = await app.inject({
    method: 'POST',
    url: '/todo',
    headers: alice.auth,
    payload: { title: 'Buy milk', description: 'Two litres', due: '2026-12-01T09:30:00+01:00' }
  })
  t.equal(response.statusCode, 201)
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)
  const task = response.json()
  t.same(Object.keys(task).sort(), ['createdAt', 'description', 'done', 'due', 'id', 'title', 'updatedAt', 'userId'])
  t.match(task, {
    id: Number,
    title: 'Buy milk',
    description: 'Two litres',
    done: false,
    due: '2026-12-01T08:30:00.000Z',
    userId: alice.id,
    createdAt: ISO_UTC,
    updatedAt: ISO_UTC
  })
  t.ok(Number.isInteger(task.id) && task.id > 0, 'the id is a positive integer')
  t.match(task.userId, UUID)
  t.equal(task.updatedAt, task.createdAt, 'a new task was never updated')
  t.equal(response.headers.location, `/todo/${task.id}`)

  const read = await readTask(app, alice, task.id)
  t.equal(read.statusCode, 200)
  t.same(read.body, task, 'Location leads to the same task')
})

test('POST /todo defaults: empty description, due now', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)

  const before = new Date().toISOString()
  const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'Call mum' } })
  const after = new Date().toISOString()
  t.equal(response.statusCode, 201)
  const task = response.json()
  t.match(task, { title: 'Call mum', description: '', done: false, userId: alice.id, due: ISO_UTC })
  t.ok(task.due >= before && task.due <= after, `due ${task.due} is the moment of creation`)
})

test('POST /todo accepts ISO dates and date-times and returns due in UTC', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const cases: Array<[string, string]> = [
    ['2026-12-31', '2026-12-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2026-12-01T09:30:00Z', '2026-12-01T09:30:00.000Z'],
    ['2026-12-01T09:30:00.250Z', '2026-12-01T09:30:00.250Z'],
    ['2026-12-01T01:30:00+02:00', '2026-11-30T23:30:00.000Z'],
    ['2026-12-31T22:00:00-05:30', '2027-01-01T03:30:00.000Z']
  ]
  for (const [due, expected] of cases) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: `due ${due}`, due } })
    t.equal(response.statusCode, 201, due)
    t.match(response.json(), { title: `due ${due}`, due: expected }, due)
  }
})

test('POST /todo accepts a title of 200 and a description of 2000 characters', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const title = 't'.repeat(200)
  const description = 'd'.repeat(2000)

  const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title, description } })
  t.equal(response.statusCode, 201)
  t.match(response.json(), { title, description })
})

test('POST /todo refuses bodies that break the schema with 400 validation_error, and stores nothing', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)

  const invalid: Array<[string, unknown]> = [
    ['no title', {}],
    ['empty title', { title: '' }],
    ['title of 201 characters', { title: 'x'.repeat(201) }],
    ['numeric title', { title: 42 }],
    ['null title', { title: null }],
    ['description of 2001 characters', { title: 'ok', description: 'x'.repeat(2001) }],
    ['null description', { title: 'ok', description: null }],
    ['due as DD-MM-YYYY', { title: 'ok', due: '31-12-2026' }],
    ['due on February 30th', { title: 'ok', due: '2026-02-30' }],
    ['due as a word', { title: 'ok', due: 'tomorrow' }],
    ['due without an offset', { title: 'ok', due: '2026-12-01T09:30:00' }],
    ['due as a number', { title: 'ok', due: 1798761600000 }],
    ['empty due', { title: 'ok', due: '' }],
    ['due after 9999 once in UTC', { title: 'ok', due: '9999-12-31T23:59:59-01:00' }],
    ['due with a leap second', { title: 'ok', due: '2026-12-31T23:59:60Z' }],
    ['an array body', [{ title: 'ok' }]],
    ['a string body', 'ok']
  ]
  for (const [name, payload] of invalid) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: { ...alice.auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(response.statusCode, 400, name)
    t.match(response.json(), errorBody(400, 'validation_error'), name)
  }

  for (const [name, payload] of [['empty JSON body', ''], ['malformed JSON', '{"title": "ok"'], ['JSON null', 'null']]) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: { ...alice.auth, 'content-type': 'application/json' }, payload })
    t.equal(response.statusCode, 400, name)
    t.match(response.json(), errorBody(400, 'validation_error'), name)
  }

  for (const property of ['done', 'userId', 'id', 'createdAt', 'updatedAt', 'owner']) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'ok', [property]: property === 'done' ? true : 'x' } })
    t.equal(response.statusCode, 400, `unknown property ${property}`)
    t.same(response.json(), errorBody(400, 'validation_error', `body must not have the property "${property}"`), `unknown property ${property}`)
  }

  const list = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [], 'no refused body was stored')
})

test('POST /todo needs a valid token', async (t) => {
  const app = await build(t)

  const anonymous = await app.inject({ method: 'POST', url: '/todo', payload: { title: 'Buy milk' } })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), errorBody(401, 'invalid_token'))
  t.equal(anonymous.headers['www-authenticate'], BARE_CHALLENGE)

  const garbage = await app.inject({ method: 'POST', url: '/todo', headers: { authorization: 'Bearer a.b.c' }, payload: { title: 'Buy milk' } })
  t.equal(garbage.statusCode, 401)
  t.match(garbage.json(), errorBody(401, 'invalid_token'))
  t.equal(garbage.headers['www-authenticate'], REFUSED_CHALLENGE)

  const list = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [], 'nothing was stored')
})

test('PUT /todo/:id: the owner edits title, description and due; updatedAt moves, the rest stays', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk', description: 'Two litres', due: '2026-12-01' })
  await nextMillisecond()

  const retitled = await app.inject({ method: 'PUT', url: `/todo/${task.id}`, headers: alice.auth, payload: { title: 'Buy oat milk' } })
  t.equal(retitled.statusCode, 200)
  const afterTitle = retitled.json()
  t.same({ ...afterTitle, updatedAt: task.updatedAt }, { ...task, title: 'Buy oat milk' }, 'only the title and updatedAt changed')
  t.match(afterTitle.updatedAt, ISO_UTC)
  t.ok(afterTitle.updatedAt > task.updatedAt, 'updatedAt moved forward')
  t.equal(afterTitle.createdAt, task.createdAt)
  await nextMillisecond()

  const rescheduled = await app.inject({ method: 'PUT', url: `/todo/${task.id}`, headers: alice.auth, payload: { description: '', due: '2027-01-15T08:00:00-02:00' } })
  t.equal(rescheduled.statusCode, 200)
  const afterDue = rescheduled.json()
  t.same({ ...afterDue, updatedAt: afterTitle.updatedAt }, { ...afterTitle, description: '', due: '2027-01-15T10:00:00.000Z' })
  t.ok(afterDue.updatedAt > afterTitle.updatedAt, 'updatedAt moved forward again')

  const read = await readTask(app, alice, task.id)
  t.equal(read.statusCode, 200)
  t.same(read.body, afterDue, 'the edit was stored')
})

test('PUT /todo/:id refuses an empty body, done, unknown properties and bad values, and changes nothing', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk', due: '2026-12-01' })

  const invalid: Array<[string, unknown]> = [
    ['empty body', {}],
    ['empty title', { title: '' }],
    ['title of 201 characters', { title: 'x'.repeat(201) }],
    ['description of 2001 characters', { description: 'x'.repeat(2001) }],
    ['due as a word', { due: 'tomorrow' }],
    ['due on February 30th', { due: '2026-02-30' }],
    ['null due', { due: null }],
    ['an array body', [{ title: 'ok' }]]
  ]
  for (const [name, payload] of invalid) {
    const response = await app.inject({ method: 'PUT', url: `/todo/${task.id}`, headers: { ...alice.auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) })
    t.equal(response.statusCode, 400, name)
    t.match(response.json(), errorBody(400, 'validation_error'), name)
  }

  for (const [property, value] of [['done', true], ['done', false], ['userId', alice.id], ['id', 99], ['createdAt', '2020-01-01T00:00:00.000Z']] as const) {
    const response = await app.inject({ method: 'PUT', url: `/todo/${task.id}`, headers: alice.auth, payload: { title: 'sneaky', [property]: value } })
    t.equal(response.statusCode, 400, `${property}: ${value}`)
    t.same(response.json(), errorBody(400, 'validation_error', `body must not have the property "${property}"`), `${property}: ${value}`)
  }

  const missingBody = await app.inject({ method: 'PUT', url: `/todo/${task.id}`, headers: alice.auth })
  t.equal(missingBody.statusCode, 400, 'no body at all')
  t.match(missingBody.json(), errorBody(400, 'validation_error'))

  const read = await readTask(app, alice, task.id)
  t.equal(read.statusCode, 200)
  t.same(read.body, task, 'the task is untouched')
})

test('PUT /todo/:id: another user gets 404, an admin 403 on another\'s task and 200 on their own', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTask = await createTask(app, alice, { title: 'Alice\'s' })
  const adminsTask = await createTask(app, admin, { title: 'Root\'s' })

  const byBob = await app.inject({ method: 'PUT', url: `/todo/${alicesTask.id}`, headers: bob.auth, payload: { title: 'mine now' } })
  t.equal(byBob.statusCode, 404)
  t.match(byBob.json(), errorBody(404, 'not_found'))

  const missing = await app.inject({ method: 'PUT', url: `/todo/${alicesTask.id + 1000}`, headers: bob.auth, payload: { title: 'mine now' } })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), errorBody(404, 'not_found'))

  const byAdmin = await app.inject({ method: 'PUT', url: `/todo/${alicesTask.id}`, headers: admin.auth, payload: { title: 'edited by root' } })
  t.equal(byAdmin.statusCode, 403)
  t.match(byAdmin.json(), errorBody(403, 'forbidden'))

  const read = await readTask(app, alice, alicesTask.id)
  t.equal(read.statusCode, 200)
  t.same(read.body, alicesTask, 'neither bob nor the admin changed it')

  const ownByAdmin = await app.inject({ method: 'PUT', url: `/todo/${adminsTask.id}`, headers: admin.auth, payload: { title: 'Root\'s, edited' } })
  t.equal(ownByAdmin.statusCode, 200)
  t.match(ownByAdmin.json(), { ...adminsTask, title: 'Root\'s, edited', updatedAt: ISO_UTC })

  const anonymous = await app.inject({ method: 'PUT', url: `/todo/${alicesTask.id}`, payload: { title: 'x' } })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), errorBody(401, 'invalid_token'))
  t.equal(anonymous.headers['www-authenticate'], BARE_CHALLENGE)

  for (const id of ['abc', '0', '-1']) {
    const response = await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: 'x' } })
    t.equal(response.statusCode, 400, `id ${id}`)
    t.match(response.json(), errorBody(400, 'validation_error'), `id ${id}`)
  }
})

test('DELETE /todo/:id: the owner deletes, then the task is gone', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk' })
  const kept = await createTask(app, alice, { title: 'Keep me' })

  const response = await app.inject({ method: 'DELETE', url: `/todo/${task.id}`, headers: alice.auth })
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')

  const read = await readTask(app, alice, task.id)
  t.equal(read.statusCode, 404)
  t.match(read.body, errorBody(404, 'not_found'))

  const again = await app.inject({ method: 'DELETE', url: `/todo/${task.id}`, headers: alice.auth })
  t.equal(again.statusCode, 404, 'deleting twice is a 404')
  t.match(again.json(), errorBody(404, 'not_found'))

  const list = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [kept], 'only the other task is left')

  const anonymous = await app.inject({ method: 'DELETE', url: `/todo/${kept.id}` })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), errorBody(401, 'invalid_token'))
  t.equal(anonymous.headers['www-authenticate'], BARE_CHALLENGE)

  for (const id of ['abc', '0', '-1']) {
    const invalid = await app.inject({ method: 'DELETE', url: `/todo/${id}`, headers: alice.auth })
    t.equal(invalid.statusCode, 400, `id ${id}`)
    t.match(invalid.json(), errorBody(400, 'validation_error'), `id ${id}`)
  }
})

test('DELETE /todo/:id: an admin deletes anyone\'s task; another normal user gets 404 and the task stays', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const first = await createTask(app, alice, { title: 'first' })
  const second = await createTask(app, alice, { title: 'second' })

  const byBob = await app.inject({ method: 'DELETE', url: `/todo/${first.id}`, headers: bob.auth })
  t.equal(byBob.statusCode, 404)
  t.match(byBob.json(), errorBody(404, 'not_found'))
  const stillThere = await readTask(app, alice, first.id)
  t.equal(stillThere.statusCode, 200)
  t.same(stillThere.body, first, 'bob did not delete it')

  const byAdmin = await app.inject({ method: 'DELETE', url: `/todo/${second.id}`, headers: admin.auth })
  t.equal(byAdmin.statusCode, 204)
  t.equal(byAdmin.body, '')
  const gone = await readTask(app, alice, second.id)
  t.equal(gone.statusCode, 404)
  t.match(gone.body, errorBody(404, 'not_found'))

  const missing = await app.inject({ method: 'DELETE', url: `/todo/${second.id}`, headers: admin.auth })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), errorBody(404, 'not_found'))
})

test('PUT /todo/mark/:id/:status: an admin marks any task done and not done', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk', due: '2026-12-01' })
  await nextMillisecond()

  const done = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/1`, headers: admin.auth })
  t.equal(done.statusCode, 200)
  const marked = done.json()
  t.same({ ...marked, updatedAt: task.updatedAt }, { ...task, done: true }, 'only done and updatedAt changed')
  t.ok(marked.updatedAt > task.updatedAt, 'updatedAt moved forward')

  const ownerSees = await readTask(app, alice, task.id)
  t.equal(ownerSees.statusCode, 200)
  t.same(ownerSees.body, marked)

  const doneAgain = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/1`, headers: admin.auth })
  t.equal(doneAgain.statusCode, 200, 'marking twice is harmless')
  t.match(doneAgain.json(), { id: task.id, done: true })

  const undone = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/0`, headers: admin.auth })
  t.equal(undone.statusCode, 200)
  t.match(undone.json(), { ...task, done: false, updatedAt: ISO_UTC })

  const adminsTask = await createTask(app, admin, { title: 'Root\'s' })
  const own = await app.inject({ method: 'PUT', url: `/todo/mark/${adminsTask.id}/1`, headers: admin.auth })
  t.equal(own.statusCode, 200)
  t.match(own.json(), { id: adminsTask.id, userId: admin.id, done: true })
})

test('PUT /todo/mark/:id/:status: admins only, a valid status, an existing task', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk' })

  for (const status of ['1', '0']) {
    const byOwner = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/${status}`, headers: alice.auth })
    t.equal(byOwner.statusCode, 403, `a normal user may not mark even their own task (${status})`)
    t.match(byOwner.json(), errorBody(403, 'forbidden'))
  }
  const untouched = await readTask(app, alice, task.id)
  t.same(untouched.body, task, 'the task is unchanged')

  for (const status of ['2', '-1', 'x', 'true', '1.5']) {
    const response = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/${status}`, headers: admin.auth })
    t.equal(response.statusCode, 400, `status ${status}`)
    t.match(response.json(), errorBody(400, 'validation_error'), `status ${status}`)
  }
  for (const id of ['abc', '0', '-1']) {
    const response = await app.inject({ method: 'PUT', url: `/todo/mark/${id}/1`, headers: admin.auth })
    t.equal(response.statusCode, 400, `id ${id}`)
    t.match(response.json(), errorBody(400, 'validation_error'), `id ${id}`)
  }

  const missing = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id + 1000}/1`, headers: admin.auth })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), errorBody(404, 'not_found'))

  const anonymous = await app.inject({ method: 'PUT', url: `/todo/mark/${task.id}/1` })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), errorBody(401, 'invalid_token'))
  t.equal(anonymous.headers['www-authenticate'], BARE_CHALLENGE)

  const after = await readTask(app, alice, task.id)
  t.equal(after.statusCode, 200)
  t.same(after.body, task, 'no refused request changed the task')
})

test('user B can neither read, change, delete nor list user A\'s task', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTask = await createTask(app, alice, { title: 'Alice\'s secret', description: 'private', due: '2026-06-01' })
  const bobsTask = await createTask(app, bob, { title: 'Bob\'s', due: '2026-06-02' })

  const attempts: Array<[string, InjectOptions]> = [
    ['read', { method: 'GET', url: `/todo/${alicesTask.id}` }],
    ['edit', { method: 'PUT', url: `/todo/${alicesTask.id}`, payload: { title: 'Bob was here' } }],
    ['delete', { method: 'DELETE', url: `/todo/${alicesTask.id}` }]
  ]
  for (const [name, request] of attempts) {
    const response = await app.inject({ ...request, headers: bob.auth })
    t.equal(response.statusCode, 404, name)
    t.match(response.json(), errorBody(404, 'not_found', `Task ${alicesTask.id} not found`), name)
  }

  const mark = await app.inject({ method: 'PUT', url: `/todo/mark/${alicesTask.id}/1`, headers: bob.auth })
  t.equal(mark.statusCode, 403, 'marking is for admins')
  t.match(mark.json(), errorBody(403, 'forbidden'))

  for (const url of ['/todo', '/todo/ASC', '/todo/DESC', `/todo?userId=${bob.id}`]) {
    const list = await app.inject({ method: 'GET', url, headers: bob.auth })
    t.equal(list.statusCode, 200, url)
    t.same(list.json(), [bobsTask], `${url}: only bob's own task`)
  }
  const filtered = await app.inject({ method: 'GET', url: `/todo?userId=${alice.id}`, headers: bob.auth })
  t.equal(filtered.statusCode, 403)
  t.match(filtered.json(), errorBody(403, 'forbidden'))

  const read = await readTask(app, alice, alicesTask.id)
  t.equal(read.statusCode, 200)
  t.same(read.body, alicesTask, 'alice\'s task is intact')
})

test('ids beyond the int4 serial column are refused with 400 by every route that takes one, never a 500', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const largest: Array<[string, InjectOptions]> = [
    ['PUT', { method: 'PUT', url: `/todo/${MAX_TASK_ID}`, payload: { title: 'x' } }],
    ['DELETE', { method: 'DELETE', url: `/todo/${MAX_TASK_ID}` }],
    ['mark', { method: 'PUT', url: `/todo/mark/${MAX_TASK_ID}/1` }]
  ]
  for (const [name, request] of largest) {
    const response = await app.inject({ ...request, headers: admin.auth })
    t.equal(response.statusCode, 404, `${name} ${MAX_TASK_ID}: valid, and missing`)
    t.match(response.json(), errorBody(404, 'not_found'), `${name} ${MAX_TASK_ID}`)
  }

  const beyond = MAX_TASK_ID + 1
  const tooLarge: Array<[string, InjectOptions]> = [
    ['PUT', { method: 'PUT', url: `/todo/${beyond}`, payload: { title: 'x' } }],
    ['DELETE', { method: 'DELETE', url: `/todo/${beyond}` }],
    ['mark', { method: 'PUT', url: `/todo/mark/${beyond}/1` }]
  ]
  for (const [name, request] of tooLarge) {
    const response = await app.inject({ ...request, headers: admin.auth })
    t.match({ statusCode: response.statusCode, body: response.json() }, { statusCode: 400, body: errorBody(400, 'validation_error') }, `${name} ${beyond}`)
  }
})
