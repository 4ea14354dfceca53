import { test, type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { ADMIN, build, freshDatabaseUrl, logIn, loggedInAdmin, loggedInUser, registerUser } from '../helper.js'

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

test('the bootstrap promotes an existing user of that name, in any letter case, and keeps its password', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl })
  const ownPassword = 'my-own-root-password'
  const existing = await registerUser(first, ADMIN.adminUsername.toUpperCase(), ownPassword)
  const before = await logIn(first, existing.username, ownPassword)
  t.equal(before.statusCode, 200)
  const tokenFromBefore = `Bearer ${before.json().access_token}`
  assertError(t, await adminOnly(first, tokenFromBefore), 403, 'Forbidden', 'forbidden', 'before the bootstrap')

  // A second instance on the same database starts with the bootstrap configured.
  const second = await build(t, { databaseUrl, ...ADMIN })
  const login = await logIn(second, ADMIN.adminUsername, ownPassword)
  t.equal(login.statusCode, 200, 'the user\'s own password still works')
  const profile = await profileOf(second, `Bearer ${login.json().access_token}`)
  t.equal(profile.statusCode, 200)
  t.match(profile.json(), { id: existing.id, username: existing.username, role: 'admin' }, 'the same user, now admin')
  assertGreeted(t, await adminOnly(second, `Bearer ${login.json().access_token}`), 'promoted user')

  assertError(t, await logIn(second, ADMIN.adminUsername, ADMIN.adminPassword), 401, 'Unauthorized', 'invalid_credentials', 'the configured password was not applied')

  // The promotion reaches the first instance too, on its next request with the old token.
  assertGreeted(t, await adminOnly(first, tokenFromBefore), 'old token on the first instance')

  // Starting again with the bootstrap changes nothing and creates no second user.
  await build(t, { databaseUrl, ...ADMIN })
  const users = await second.db.selectFrom('users').select(['id', 'role']).execute()
  t.same(users, [{ id: existing.id, role: 'admin' }], 'still exactly one user')
})

test('a demotion or promotion takes effect on the next request with the same token', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const user = await loggedInUser(app)
  assertGreeted(t, await adminOnly(app, admin.auth.authorization), 'admin before')
  assertError(t, await adminOnly(app, user.auth.authorization), 403, 'Forbidden', 'forbidden', 'user before')

  await app.users.setRole(admin.id, 'normal')
  await app.users.setRole(user.id, 'admin')

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
