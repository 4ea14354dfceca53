// ADMIN_USERNAME / ADMIN_PASSWORD across restarts on one database: the bootstrap never gives admin to an account whose
// password is not ADMIN_PASSWORD (it refuses to start instead), and never undoes an admin's demotion or disable.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test, type Test } from 'tap'
import app from '../../app.js'
import { serverOptions } from '../../lib/http/server-options.js'
import { ADMIN, build, freshDatabaseUrl, logIn, loggedInAdmin, registerUser, testConfig } from '../helper.js'

type Context = Test & { testdir: () => string }

async function role (instance: FastifyInstance, username: string): Promise<{ role: string, disabled: number } | undefined> {
  return await instance.db.selectFrom('users').select(['role', 'disabled'])
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase())).executeTakeFirst()
}

// A start with the bootstrap configured that must fail: the error it fails with.
async function refusedStart (t: Context, databaseUrl: string): Promise<Error> {
  const instance = Fastify(serverOptions(testConfig({ databaseUrl, ...ADMIN })))
  t.teardown(() => instance.close())
  try {
    await instance.register(fp(app), { config: testConfig({ databaseUrl, ...ADMIN }) })
    await instance.ready()
  } catch (error) {
    return error as Error
  }
  throw new Error('the start was not refused')
}

async function adminOnly (instance: FastifyInstance, accessToken: string): Promise<LightMyRequestResponse> {
  return await instance.inject({ method: 'GET', url: '/admin_only', headers: { authorization: `Bearer ${accessToken}` } })
}

test('an account someone else registered under the name in another letter case is not promoted: the start is refused', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl })
  const stranger = await registerUser(first, ADMIN.adminUsername.toUpperCase(), 'the stranger\'s own password')

  const error = await refusedStart(t, databaseUrl)
  t.match(error.message, /^ADMIN_USERNAME: the account "ROOT" holds the name "root" and its password is not ADMIN_PASSWORD/)
  t.same(await role(first, stranger.username), { role: 'normal', disabled: 0 }, 'the stranger is still a normal user')
  const login = await logIn(first, stranger.username, stranger.password)
  t.equal(login.statusCode, 200)
  t.match((await adminOnly(first, login.json().access_token)).json(), { statusCode: 403, code: 'forbidden' })
})

test('the name re-registered after the bootstrap admin was deleted is not taken over', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl, ...ADMIN })
  const root = await loggedInAdmin(first)
  const deputy = await registerUser(first, 'deputy')
  t.equal((await first.inject({ method: 'PATCH', url: `/users/${deputy.id}`, headers: root.auth, payload: { role: 'admin' } })).statusCode, 200)
  const deputyLogin = await logIn(first, deputy.username, deputy.password)
  t.equal((await first.inject({ method: 'DELETE', url: `/users/${root.id}`, headers: { authorization: `Bearer ${deputyLogin.json().access_token}` } })).statusCode, 204)
  await registerUser(first, 'Root', 'an impostor\'s password')

  t.match((await refusedStart(t, databaseUrl)).message, /ADMIN_USERNAME/)
  t.same(await role(first, 'root'), { role: 'normal', disabled: 0 })
})

test('an existing account whose password is ADMIN_PASSWORD is promoted, once', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl })
  const existing = await registerUser(first, 'Root', ADMIN.adminPassword)
  const second = await build(t, { databaseUrl, ...ADMIN })
  const login = await logIn(second, ADMIN.adminUsername, ADMIN.adminPassword)
  t.equal(login.statusCode, 200)
  t.match((await second.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${login.json().access_token as string}` } })).json(),
    { id: existing.id, username: 'Root', role: 'admin' }, 'the same account, now an admin')
  await build(t, { databaseUrl, ...ADMIN })
  t.same(await second.db.selectFrom('users').select(['id', 'role']).execute(), [{ id: existing.id, role: 'admin' }], 'still exactly one user')
})

test('a bootstrap admin an admin demoted stays demoted at the next start (a warning is logged)', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl, ...ADMIN })
  const root = await loggedInAdmin(first)
  const deputy = await registerUser(first, 'deputy')
  t.equal((await first.inject({ method: 'PATCH', url: `/users/${deputy.id}`, headers: root.auth, payload: { role: 'admin' } })).statusCode, 200)
  const deputyAuth = { authorization: `Bearer ${(await logIn(first, deputy.username, deputy.password)).json().access_token as string}` }
  t.equal((await first.inject({ method: 'PATCH', url: `/users/${root.id}`, headers: deputyAuth, payload: { role: 'normal' } })).statusCode, 200)

  const second = await build(t, { databaseUrl, ...ADMIN })
  t.same(await role(second, 'root'), { role: 'normal', disabled: 0 }, 'not promoted again')
  const login = await logIn(second, ADMIN.adminUsername, ADMIN.adminPassword)
  t.match((await adminOnly(second, login.json().access_token)).json(), { statusCode: 403, code: 'forbidden' })

  // An admin's promotion undoes the demotion, and later starts keep it.
  t.equal((await second.inject({ method: 'PATCH', url: `/users/${root.id}`, headers: deputyAuth, payload: { role: 'admin' } })).statusCode, 200)
  const third = await build(t, { databaseUrl, ...ADMIN })
  t.same(await role(third, 'root'), { role: 'admin', disabled: 0 })
})

test('a bootstrap admin who changed the password since is still the admin, and the new password is kept', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl, ...ADMIN })
  const root = await loggedInAdmin(first)
  const newPassword = 'the admin\'s own new passphrase'
  t.equal((await first.inject({ method: 'PUT', url: '/profile/password', headers: root.auth, payload: { currentPassword: ADMIN.adminPassword, newPassword } })).statusCode, 204)
  const second = await build(t, { databaseUrl, ...ADMIN })
  t.same(await role(second, 'root'), { role: 'admin', disabled: 0 })
  t.equal((await logIn(second, ADMIN.adminUsername, newPassword)).statusCode, 200, 'the new password works')
  t.match((await logIn(second, ADMIN.adminUsername, ADMIN.adminPassword)).json(), { statusCode: 401, code: 'invalid_credentials' })
})
