// GET /users and GET /users/:id: admins only, pages like /todo, filters, and every way to knock on the door.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test, type Test } from 'tap'
import type { ManagedUser } from '../../schemas/users.js'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'
const MANAGED_USER_KEYS = ['createdAt', 'disabled', 'id', 'name', 'role', 'username']

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, code: string, label: string): void {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 415: 'Unsupported Media Type' }[statusCode]
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error, code, message: /\S/ }, `${label}: body`)
}

async function listUsers (app: FastifyInstance, who: LoggedInUser, query = ''): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: `/users${query}`, headers: who.auth })
}

// Follows Link rel="next" to the end; returns every page.
async function allPages (t: Test, app: FastifyInstance, who: LoggedInUser, firstUrl: string): Promise<ManagedUser[][]> {
  const pages: ManagedUser[][] = []
  let url: string | undefined = firstUrl
  while (url !== undefined) {
    const response: LightMyRequestResponse = await app.inject({ method: 'GET', url, headers: who.auth })
    t.equal(response.statusCode, 200, `GET ${url}`)
    pages.push(response.json())
    const link = response.headers.link as string | undefined
    url = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1]
    if (pages.length > 20) throw new Error('too many pages')
  }
  return pages
}

test('every Administration route refuses a normal user with 403 forbidden, whatever the id or body', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const mallory = await loggedInUser(app, 'mallory')
  const victim = await loggedInUser(app, 'victim')
  for (const id of [victim.id, mallory.id, admin.id, UNKNOWN_ID, 'not-a-uuid']) {
    const attempts = [
      { method: 'GET' as const, url: `/users/${id}` },
      { method: 'PATCH' as const, url: `/users/${id}`, payload: { role: 'admin' } },
      { method: 'PATCH' as const, url: `/users/${id}`, payload: { bogus: true } },
      { method: 'DELETE' as const, url: `/users/${id}` }
    ]
    for (const attempt of attempts) {
      assertError(t, await app.inject({ ...attempt, headers: mallory.auth }), 403, 'forbidden', `${attempt.method} ${attempt.url} by a normal user`)
    }
  }
  assertError(t, await listUsers(app, mallory), 403, 'forbidden', 'GET /users by a normal user')
  assertError(t, await listUsers(app, mallory, '?role=admin'), 403, 'forbidden', 'GET /users?role=admin by a normal user')

  // Nothing changed.
  const victimNow = await app.inject({ method: 'GET', url: `/users/${victim.id}`, headers: admin.auth })
  t.match(victimNow.json(), { role: 'normal', disabled: false })
  const mallorySelf = await app.inject({ method: 'GET', url: '/profile', headers: mallory.auth })
  t.match(mallorySelf.json(), { role: 'normal' }, 'mallory did not promote herself')
})

test('without a token, or with a refused one, every Administration route answers 401', async (t) => {
  const app = await build(t, ADMIN)
  const user = await loggedInUser(app)
  const requests = [
    { method: 'GET' as const, url: '/users' },
    { method: 'GET' as const, url: `/users/${user.id}` },
    { method: 'PATCH' as const, url: `/users/${user.id}`, payload: { role: 'admin' } },
    { method: 'DELETE' as const, url: `/users/${user.id}` }
  ]
  for (const request of requests) {
    const anonymous = await app.inject(request)
    assertError(t, anonymous, 401, 'invalid_token', `${request.method} ${request.url} without a token`)
    t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="todo"')
    const forged = await app.inject({ ...request, headers: { authorization: 'Bearer a.b.c' } })
    assertError(t, forged, 401, 'invalid_token', `${request.method} ${request.url} with a forged token`)
    t.equal(forged.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')
  }
  const stillThere = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.match(stillThere.json(), { role: 'normal' }, 'the user is untouched')
})

test('GET /users/:id returns the user with disabled and nothing more; unknown 404, malformed 400, any letter case', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app, 'alice')

  const response = await app.inject({ method: 'GET', url: `/users/${alice.id}`, headers: admin.auth })
  t.equal(response.statusCode, 200)
  t.same(Object.keys(response.json()).sort(), MANAGED_USER_KEYS, 'no password, no hash, nothing unexpected')
  t.match(response.json(), { id: alice.id, username: 'alice', name: 'Name of alice', role: 'normal', disabled: false, createdAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/ })
  t.notMatch(response.body, /argon2|password/i)

  const upper = await app.inject({ method: 'GET', url: `/users/${alice.id.toUpperCase()}`, headers: admin.auth })
  t.equal(upper.statusCode, 200, 'an upper-case id names the same user')
  t.equal(upper.json().id, alice.id)

  assertError(t, await app.inject({ method: 'GET', url: `/users/${UNKNOWN_ID}`, headers: admin.auth }), 404, 'not_found', 'unknown id')
  for (const bad of ['not-a-uuid', '1', `${alice.id}x`, `urn:uuid:${alice.id}`, `${alice.id.slice(0, -1)}g`, "'%20or%201=1--", '%00']) {
    assertError(t, await app.inject({ method: 'GET', url: `/users/${bad}`, headers: admin.auth }), 400, 'validation_error', `id ${bad}`)
  }
})

test('GET /users pages through every user exactly once, oldest first, with Link rel="next"', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const created: string[] = [admin.id]
  for (let index = 0; index < 6; index++) created.push((await loggedInUser(app)).id)

  const first = await listUsers(app, admin, '?limit=3')
  t.equal(first.statusCode, 200)
  t.match(first.headers.link, /^<\/users\?order=asc&limit=3&cursor=[A-Za-z0-9_-]+>; rel="next"$/)
  for (const user of first.json()) t.same(Object.keys(user).sort(), MANAGED_USER_KEYS)

  const pages = await allPages(t, app, admin, '/users?limit=3')
  t.same(pages.map((page) => page.length), [3, 3, 1])
  const listed = pages.flat().map((user) => user.id)
  t.same(listed, created, 'every user once, in creation order')
  const createdAt = pages.flat().map((user) => user.createdAt)
  t.same(createdAt, [...createdAt].sort(), 'ascending createdAt')

  const descending = (await allPages(t, app, admin, '/users?order=desc&limit=4')).flat().map((user) => user.id)
  t.same(descending, [...created].reverse(), 'order=desc: newest first')

  const whole = await listUsers(app, admin)
  t.equal(whole.json().length, 7, 'default page size holds them all')
  t.equal(whole.headers.link, undefined, 'no Link on the last page')
})

test('GET /users filters by role and disabled, and the filters travel with the cursor', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const users: LoggedInUser[] = []
  for (let index = 0; index < 5; index++) users.push(await loggedInUser(app))
  for (const user of users.slice(0, 3)) {
    const response = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, headers: admin.auth, payload: { disabled: true } })
    t.equal(response.statusCode, 200)
  }

  const admins = await listUsers(app, admin, '?role=admin')
  t.same(admins.json().map((user: ManagedUser) => user.id), [admin.id], 'role=admin')

  const disabledPages = await allPages(t, app, admin, '/users?disabled=true&limit=2')
  t.same(disabledPages.flat().map((user) => user.id), users.slice(0, 3).map((user) => user.id), 'disabled=true over two pages')
  t.ok(disabledPages.flat().every((user) => user.disabled), 'all disabled')

  const enabledNormal = await listUsers(app, admin, '?disabled=false&role=normal')
  t.same(enabledNormal.json().map((user: ManagedUser) => user.id), users.slice(3).map((user) => user.id), 'disabled=false&role=normal')

  const link = (await listUsers(app, admin, '?role=normal&disabled=true&limit=1')).headers.link as string
  t.match(link, /role=normal/)
  t.match(link, /disabled=true/)
})

test('GET /users refuses bad queries with 400 validation_error', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const todoCursor = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 1])).toString('base64url')
  const wrongKind = Buffer.from(JSON.stringify(['t', '2026-01-01T00:00:00.000Z', UNKNOWN_ID])).toString('base64url')
  const badDate = Buffer.from(JSON.stringify(['u', 'yesterday', UNKNOWN_ID])).toString('base64url')
  // The UTC form, but no instant: refused as the /todo cursor refuses it.
  const impossibleDate = Buffer.from(JSON.stringify(['u', '2026-02-30T25:61:00.000Z', UNKNOWN_ID])).toString('base64url')
  const badId = Buffer.from(JSON.stringify(['u', '2026-01-01T00:00:00.000Z', "x' or 1=1"])).toString('base64url')
  const queries = [
    '?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?order=sideways', '?role=root', '?role=ADMIN',
    '?disabled=yes', '?disabled=1', '?cursor=', '?cursor=not%20base64', `?cursor=${todoCursor}`, `?cursor=${wrongKind}`,
    `?cursor=${badDate}`, `?cursor=${impossibleDate}`, `?cursor=${badId}`, '?cursor=e30', '?limt=5', '?userId=1'
  ]
  for (const query of queries) assertError(t, await listUsers(app, admin, query), 400, 'validation_error', `GET /users${query}`)
})
