// GET /todo and GET /todo/:id: who sees which tasks, anonymous listing, and tokens that are refused.
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import type { Task } from '../../schemas/todo.js'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'
import { MAX_TASK_ID } from '../../schemas/todo.js'

const BARE_CHALLENGE = 'Bearer realm="todo"'
const REFUSED_CHALLENGE = 'Bearer realm="todo", error="invalid_token"'

async function createTask (app: FastifyInstance, user: LoggedInUser, payload: { title: string, description?: string, due?: string }): Promise<Task> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload })
  if (response.statusCode !== 201) throw new Error(`create task: ${response.statusCode} ${response.body}`)
  return response.json()
}

// Ascending by due, ties broken by id: the order authenticated lists use.
function byDue (tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) => a.due === b.due ? a.id - b.id : a.due < b.due ? -1 : 1)
}

function errorBody (statusCode: number, code: string): Record<string, unknown> {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[statusCode]
  return { statusCode, error, message: String, code }
}

function claimsOf (token: string): { sub: string, sid: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

function replaceSegment (token: string, index: number, segment: string): string {
  const parts = token.split('.')
  parts[index] = segment
  return parts.join('.')
}

test('anonymous GET /todo lists the newest tasks of all users, newest first, without a Link header', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  // Creation order differs from due order, so "newest" and "by due" give different answers.
  const dues = ['2026-05-03', '2026-01-09', '2026-05-03', '2026-12-01', '2026-02-14', '2026-07-30', '2026-03-01']
  const created: Task[] = []
  for (const [index, due] of dues.entries()) {
    created.push(await createTask(app, index % 2 === 0 ? alice : bob, { title: `task ${index}`, due }))
  }
  const newestFive = created.slice(-5).reverse()

  const response = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)
  t.same(response.json(), newestFive)
  t.equal(response.headers.link, undefined, 'anonymous lists are never paginated')
  t.equal(response.headers['www-authenticate'], undefined)

  const fewer = await app.inject({ method: 'GET', url: '/todo?limit=3' })
  t.equal(fewer.statusCode, 200)
  t.same(fewer.json(), newestFive.slice(0, 3), 'limit below the public limit reduces the list')
  t.equal(fewer.headers.link, undefined)

  const more = await app.inject({ method: 'GET', url: '/todo?limit=100' })
  t.equal(more.statusCode, 200)
  t.same(more.json(), newestFive, 'limit above the public limit does not raise it')
  t.equal(more.headers.link, undefined)
})

test('anonymous GET /todo with an order sorts the newest tasks by due', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const dues = ['2026-05-03', '2026-01-09', '2026-05-03T00:00:00Z', '2026-12-01', '2026-02-14', '2026-07-30', '2026-03-01']
  const created: Task[] = []
  for (const [index, due] of dues.entries()) created.push(await createTask(app, alice, { title: `task ${index}`, due }))
  const ascending = byDue(created.slice(-5))
  const descending = [...ascending].reverse()

  for (const [url, expected] of [
    ['/todo?order=asc', ascending],
    ['/todo/ASC', ascending],
    ['/todo?order=desc', descending],
    ['/todo/DESC', descending]
  ] as const) {
    const response = await app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 200, url)
    t.same(response.json(), expected, url)
    t.equal(response.headers.link, undefined, url)
  }

  const twoByDue = await app.inject({ method: 'GET', url: '/todo/ASC?limit=2' })
  t.equal(twoByDue.statusCode, 200)
  t.same(twoByDue.json(), byDue(created.slice(-2)), 'the newest two, then sorted by due')
})

test('anonymous GET /todo ignores a cursor', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const created: Task[] = []
  for (let index = 0; index < 8; index++) created.push(await createTask(app, alice, { title: `task ${index}`, due: `2026-01-1${index}` }))

  const firstPage = await app.inject({ method: 'GET', url: '/todo?limit=2', headers: alice.auth })
  t.equal(firstPage.statusCode, 200)
  const cursor = /cursor=([A-Za-z0-9_-]+)/.exec(String(firstPage.headers.link))?.[1]
  t.ok(cursor, 'an authenticated page issued a cursor')

  for (const ignored of [String(cursor), randomBytes(24).toString('base64url')]) {
    const anonymous = await app.inject({ method: 'GET', url: `/todo?cursor=${ignored}` })
    t.equal(anonymous.statusCode, 200, ignored)
    t.same(anonymous.json(), created.slice(-5).reverse(), ignored)
    t.equal(anonymous.headers.link, undefined, ignored)
  }
})

test('anonymous GET /todo shows at most publicTodoLimit tasks', async (t) => {
  const app = await build(t, { publicTodoLimit: 2 })
  const alice = await loggedInUser(app)

  const empty = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(empty.statusCode, 200)
  t.same(empty.json(), [], 'no tasks yet')

  const created: Task[] = []
  for (let index = 0; index < 3; index++) created.push(await createTask(app, alice, { title: `task ${index}` }))

  const response = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), created.slice(-2).reverse())

  const one = await app.inject({ method: 'GET', url: '/todo?limit=1' })
  t.equal(one.statusCode, 200)
  t.same(one.json(), created.slice(-1))
})

test('anonymous GET /todo?userId= needs a token: 401 invalid_token with the bare challenge', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await createTask(app, alice, { title: 'private' })

  for (const url of [`/todo?userId=${alice.id}`, `/todo/ASC?userId=${alice.id}`, `/todo/DESC?userId=${randomUUID()}`]) {
    const response = await app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 401, url)
    t.match(response.json(), errorBody(401, 'invalid_token'), url)
    t.equal(response.headers['www-authenticate'], BARE_CHALLENGE, url)
  }
})

test('a token that is present but refused answers 401 on GET /todo, never the anonymous list', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  await createTask(app, alice, { title: 'visible to anonymous callers' })
  const token = alice.accessToken
  const [header = '', payload = '', signature = ''] = token.split('.')

  const key = await app.signingKeys.current()
  const { sub, sid } = claimsOf(token)
  const expired = app.jwt.sign({ sub, sid, jti: randomUUID() }, { key: key.signingKey, kid: key.kid, clockTimestamp: Date.now() - 3_600_000 })

  const bobsClaims = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), sub: bob.id })).toString('base64url')
  const unsignedHeader = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString('utf8')), alg: 'none' })).toString('base64url')
  // Flip a character in the middle: the last one of a base64url signature may only carry padding bits.
  const middle = Math.floor(signature.length / 2)
  const flipped = signature.slice(0, middle) + (signature[middle] === 'A' ? 'B' : 'A') + signature.slice(middle + 1)

  const refused: Array<[string, string, string]> = [
    ['garbage', 'Bearer not-a-token', 'invalid_token'],
    ['three garbage segments', 'Bearer aaa.bbb.ccc', 'invalid_token'],
    ['empty header', '', 'invalid_token'],
    ['another scheme', `Basic ${Buffer.from('alice:secret').toString('base64')}`, 'invalid_token'],
    ['the refresh token', `Bearer ${alice.refreshToken}`, 'invalid_token'],
    ['tampered signature', `Bearer ${replaceSegment(token, 2, flipped)}`, 'invalid_token'],
    ['claims changed to another user', `Bearer ${replaceSegment(token, 1, bobsClaims)}`, 'invalid_token'],
    ['alg none without a signature', `Bearer ${unsignedHeader}.${payload}.`, 'invalid_token'],
    ['expired', `Bearer ${expired}`, 'token_expired']
  ]
  for (const [name, authorization, code] of refused) {
    for (const url of ['/todo', '/todo/DESC']) {
      const response = await app.inject({ method: 'GET', url, headers: { authorization } })
      t.equal(response.statusCode, 401, `${name}: ${url}`)
      t.match(response.json(), errorBody(401, code), `${name}: ${url}`)
      t.equal(response.headers['www-authenticate'], REFUSED_CHALLENGE, `${name}: ${url}`)
    }
  }

  const stillValid = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(stillValid.statusCode, 200, 'the untouched token still works')
  t.match(stillValid.json(), [{ title: 'visible to anonymous callers' }])
})

test('a revoked token answers 401 token_revoked on GET /todo', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)

  const logout = await app.inject({ method: 'POST', url: '/logout?scope=local', headers: alice.auth })
  t.equal(logout.statusCode, 204)
  t.equal(logout.body, '')

  const response = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(response.statusCode, 401)
  t.match(response.json(), errorBody(401, 'token_revoked'))
  t.equal(response.headers['www-authenticate'], REFUSED_CHALLENGE)
})

test('a normal user lists only their own tasks, by due ascending, and may name only themselves in userId', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTasks = [
    await createTask(app, alice, { title: 'a1', due: '2026-03-01' }),
    await createTask(app, alice, { title: 'a2', due: '2026-01-01' }),
    await createTask(app, alice, { title: 'a3', due: '2026-03-01' })
  ]
  const bobsTasks = [
    await createTask(app, bob, { title: 'b1', due: '2026-02-01' }),
    await createTask(app, bob, { title: 'b2', due: '2025-12-31' })
  ]

  const own = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(own.statusCode, 200)
  t.same(own.json(), byDue(alicesTasks))
  t.equal(own.headers.link, undefined, 'one page only')
  t.equal(own.headers['cache-control'], 'private, no-cache')

  const descending = await app.inject({ method: 'GET', url: '/todo?order=desc', headers: alice.auth })
  t.equal(descending.statusCode, 200)
  t.same(descending.json(), byDue(alicesTasks).reverse())

  const explicitlyOwn = await app.inject({ method: 'GET', url: `/todo?userId=${alice.id}`, headers: alice.auth })
  t.equal(explicitlyOwn.statusCode, 200)
  t.same(explicitlyOwn.json(), byDue(alicesTasks))

  const bobsView = await app.inject({ method: 'GET', url: '/todo/ASC', headers: bob.auth })
  t.equal(bobsView.statusCode, 200)
  t.same(bobsView.json(), byDue(bobsTasks))

  for (const url of [`/todo?userId=${bob.id}`, `/todo/ASC?userId=${bob.id}`, `/todo?userId=${randomUUID()}`]) {
    const response = await app.inject({ method: 'GET', url, headers: alice.auth })
    t.equal(response.statusCode, 403, url)
    t.match(response.json(), errorBody(403, 'forbidden'), url)
  }

  for (const userId of ['alice', `urn:uuid:${alice.id}`]) {
    const notUuid = await app.inject({ method: 'GET', url: `/todo?userId=${userId}`, headers: alice.auth })
    t.equal(notUuid.statusCode, 400, userId)
    t.match(notUuid.json(), errorBody(400, 'validation_error'))
  }
})

test('a new user with no tasks gets an empty list', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  await createTask(app, alice, { title: 'not for bob' })

  const response = await app.inject({ method: 'GET', url: '/todo', headers: bob.auth })
  t.equal(response.statusCode, 200)
  t.same(response.json(), [])
  t.equal(response.headers.link, undefined)
})

test('an admin lists everyone\'s tasks and filters with userId', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTasks = [
    await createTask(app, alice, { title: 'a1', due: '2026-04-01' }),
    await createTask(app, alice, { title: 'a2', due: '2026-02-01' })
  ]
  const bobsTasks = [await createTask(app, bob, { title: 'b1', due: '2026-03-01' })]
  const adminsTasks = [await createTask(app, admin, { title: 'root1', due: '2026-02-01' })]
  const everything = [...alicesTasks, ...bobsTasks, ...adminsTasks]

  const all = await app.inject({ method: 'GET', url: '/todo', headers: admin.auth })
  t.equal(all.statusCode, 200)
  t.same(all.json(), byDue(everything))

  const allDescending = await app.inject({ method: 'GET', url: '/todo/DESC', headers: admin.auth })
  t.equal(allDescending.statusCode, 200)
  t.same(allDescending.json(), byDue(everything).reverse())

  const onlyAlice = await app.inject({ method: 'GET', url: `/todo?userId=${alice.id}`, headers: admin.auth })
  t.equal(onlyAlice.statusCode, 200)
  t.same(onlyAlice.json(), byDue(alicesTasks))

  const onlyBobDescending = await app.inject({ method: 'GET', url: `/todo/DESC?userId=${bob.id}`, headers: admin.auth })
  t.equal(onlyBobDescending.statusCode, 200)
  t.same(onlyBobDescending.json(), bobsTasks)

  const nobody = await app.inject({ method: 'GET', url: `/todo?userId=${randomUUID()}`, headers: admin.auth })
  t.equal(nobody.statusCode, 200)
  t.same(nobody.json(), [], 'an unknown user has no tasks')
})

test('GET /todo/:id: the owner and an admin read the task; anyone else gets the same 404 as for a missing task', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk', description: 'Two litres', due: '2026-12-01T09:30:00+01:00' })
  t.match(task, { title: 'Buy milk', description: 'Two litres', done: false, due: '2026-12-01T08:30:00.000Z', userId: alice.id })

  for (const [who, user] of [['owner', alice], ['admin', admin]] as const) {
    const response = await app.inject({ method: 'GET', url: `/todo/${task.id}`, headers: user.auth })
    t.equal(response.statusCode, 200, who)
    t.same(response.json(), task, who)
  }

  const foreign = await app.inject({ method: 'GET', url: `/todo/${task.id}`, headers: bob.auth })
  const missingId = task.id + 1000
  const missing = await app.inject({ method: 'GET', url: `/todo/${missingId}`, headers: bob.auth })
  t.equal(foreign.statusCode, 404)
  t.equal(missing.statusCode, 404)
  t.match(foreign.json(), errorBody(404, 'not_found'))
  t.same(
    { ...foreign.json(), message: foreign.json().message.replace(String(task.id), 'N') },
    { ...missing.json(), message: missing.json().message.replace(String(missingId), 'N') },
    'another user\'s task is indistinguishable from a missing one'
  )

  const adminMissing = await app.inject({ method: 'GET', url: `/todo/${missingId}`, headers: admin.auth })
  t.equal(adminMissing.statusCode, 404)
  t.match(adminMissing.json(), errorBody(404, 'not_found'))
})

test('GET /todo/:id needs a token and a positive integer id', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'Buy milk' })

  const anonymous = await app.inject({ method: 'GET', url: `/todo/${task.id}` })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), errorBody(401, 'invalid_token'))
  t.equal(anonymous.headers['www-authenticate'], BARE_CHALLENGE)

  const badToken = await app.inject({ method: 'GET', url: `/todo/${task.id}`, headers: { authorization: 'Bearer a.b.c' } })
  t.equal(badToken.statusCode, 401)
  t.match(badToken.json(), errorBody(401, 'invalid_token'))
  t.equal(badToken.headers['www-authenticate'], REFUSED_CHALLENGE)

  const largest = await app.inject({ method: 'GET', url: `/todo/${MAX_TASK_ID}`, headers: alice.auth })
  t.equal(largest.statusCode, 404, 'the largest id PostgreSQL\'s serial column holds is valid, and missing')
  t.match(largest.json(), errorBody(404, 'not_found'))

  // On PostgreSQL an id beyond the int4 serial column is a database error; the schema must refuse it first.
  const beyond = await app.inject({ method: 'GET', url: `/todo/${MAX_TASK_ID + 1}`, headers: alice.auth })
  t.match({ statusCode: beyond.statusCode, body: beyond.json() }, { statusCode: 400, body: errorBody(400, 'validation_error') }, `id ${MAX_TASK_ID + 1}`)

  for (const id of ['abc', '0', '-1', '1.5', '9007199254740992', '99999999999999999999', 'asc']) {
    const response = await app.inject({ method: 'GET', url: `/todo/${id}`, headers: alice.auth })
    t.equal(response.statusCode, 400, `id ${id}`)
    t.match(response.json(), errorBody(400, 'validation_error'), `id ${id}`)
  }
})

test('anonymous GET /todo without a limit shows all publicTodoLimit tasks, even above the page default of 20', async (t) => {
  const app = await build(t, { publicTodoLimit: 30 })
  const alice = await loggedInUser(app)
  const created: Task[] = []
  for (let index = 0; index < 25; index++) created.push(await createTask(app, alice, { title: `task ${index}` }))

  const explicit = await app.inject({ method: 'GET', url: '/todo?limit=25' })
  t.equal(explicit.statusCode, 200)
  t.same(explicit.json(), [...created].reverse(), 'an explicit limit up to publicTodoLimit is honoured')

  const response = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), [...created].reverse(), 'without a limit, all 25 (publicTodoLimit is 30)')
  t.equal(response.headers.link, undefined)
})

test('userId is a UUID, compared without regard to case', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const task = await createTask(app, alice, { title: 'a1' })
  const upperCaseId = alice.id.toUpperCase()
  t.not(upperCaseId, alice.id, 'ids are issued in lower case')

  const own = await app.inject({ method: 'GET', url: `/todo?userId=${upperCaseId}`, headers: alice.auth })
  t.same({ statusCode: own.statusCode, body: own.json() }, { statusCode: 200, body: [task] }, 'a normal user naming themselves in upper case')

  const byAdmin = await app.inject({ method: 'GET', url: `/todo?userId=${upperCaseId}`, headers: admin.auth })
  t.equal(byAdmin.statusCode, 200)
  t.same(byAdmin.json(), [task], 'an admin filtering by an upper-case id')
})
