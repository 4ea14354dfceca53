import { test, type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ADMIN, build, logIn, loggedInAdmin, loggedInUser } from '../helper.js'

async function adminOnly (app: FastifyInstance, authorization?: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: '/admin_only', headers: authorization === undefined ? {} : { authorization } })
}

async function profileOf (app: FastifyInstance, authorization: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: '/profile', headers: { authorization } })
}

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, error: string, code: string, label: string): void {
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error, message: String, code }, `${label}: body`)
}

function assertGreeted (t: Test, response: LightMyRequestResponse, label: string): void {
  t.equal(response.statusCode, 200, `${label}: status`)
  t.same(Object.keys(response.json()), ['message'], `${label}: only a message`)
  t.match(response.json(), { message: /\S/ }, `${label}: body`)
}

test('GET /admin_only answers 200 {message} to an admin, 403 forbidden to a normal user, 401 without a token', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const user = await loggedInUser(app)

  assertGreeted(t, await adminOnly(app, admin.auth.authorization), 'admin')

  const normal = await adminOnly(app, user.auth.authorization)
  assertError(t, normal, 403, 'Forbidden', 'forbidden', 'normal user')
  t.equal(normal.headers['www-authenticate'], undefined, 'normal user: a 403 carries no challenge')

  const anonymous = await adminOnly(app)
  assertError(t, anonymous, 401, 'Unauthorized', 'invalid_token', 'no token')
  t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="todo"', 'no token: bare challenge')

  const garbage = await adminOnly(app, 'Bearer not.a.token')
  assertError(t, garbage, 401, 'Unauthorized', 'invalid_token', 'bad token')
  t.equal(garbage.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"', 'bad token: invalid_token challenge')
})

test('building with ADMIN_USERNAME / ADMIN_PASSWORD creates that admin', async (t) => {
  const app = await build(t, ADMIN)
  const login = await logIn(app, ADMIN.adminUsername, ADMIN.adminPassword)
  t.equal(login.statusCode, 200)
  t.equal(login.json().token_type, 'Bearer')

  const profile = await profileOf(app, `Bearer ${login.json().access_token}`)
  t.equal(profile.statusCode, 200)
  t.match(profile.json(), { username: ADMIN.adminUsername, role: 'admin' })
  const admins = await app.db.selectFrom('users').select(['username', 'role']).execute()
  t.same(admins, [{ username: ADMIN.adminUsername, role: 'admin' }], 'exactly one user, the admin')
})

test('a demotion or promotion takes effect on the next request with the same token', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const user = await loggedInUser(app)
  assertGreeted(t, await adminOnly(app, admin.auth.authorization), 'admin before')
  assertError(t, await adminOnly(app, user.auth.authorization), 403, 'Forbidden', 'forbidden', 'user before')

  await app.users.update(user.id, { role: 'admin' })
  await app.users.update(admin.id, { role: 'normal' })

  assertError(t, await adminOnly(app, admin.auth.authorization), 403, 'Forbidden', 'forbidden', 'demoted admin')
  const demoted = await profileOf(app, admin.auth.authorization)
  t.equal(demoted.statusCode, 200)
  t.match(demoted.json(), { id: admin.id, role: 'normal' }, 'the profile shows the new role')

  assertGreeted(t, await adminOnly(app, user.auth.authorization), 'promoted user')
})

test('a deleted admin\'s token answers 401 on the next request', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  assertGreeted(t, await adminOnly(app, admin.auth.authorization), 'before')

  await app.db.deleteFrom('users').where('id', '=', admin.id).execute()

  const after = await adminOnly(app, admin.auth.authorization)
  assertError(t, after, 401, 'Unauthorized', 'invalid_token', 'after deletion')
  t.equal(after.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')
})
