// PATCH and DELETE /users/:id: changes act on the user's next request, admins cannot lock themselves out,
// and no change may leave the service without an active admin.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test, type Test } from 'tap'
import { ADMIN, build, freshDatabaseUrl, loggedInAdmin, loggedInUser, logIn, type LoggedInUser } from '../helper.js'

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, code: string, label: string): void {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type' }[statusCode]
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error, code, message: /\S/ }, `${label}: body`)
}

async function patchUser (app: FastifyInstance, who: LoggedInUser, id: string, payload: unknown): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'PATCH', url: `/users/${id}`, headers: who.auth, payload: payload as Record<string, unknown> })
}

async function deleteUser (app: FastifyInstance, who: LoggedInUser, id: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'DELETE', url: `/users/${id}`, headers: who.auth })
}

async function get (app: FastifyInstance, who: LoggedInUser, url: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url, headers: who.auth })
}

// A second admin, promoted by the bootstrap admin through the API.
async function secondAdmin (t: Test, app: FastifyInstance, root: LoggedInUser, username = 'deputy'): Promise<LoggedInUser> {
  const deputy = await loggedInUser(app, username)
  const promoted = await patchUser(app, root, deputy.id, { role: 'admin' })
  t.equal(promoted.statusCode, 200, `${username} promoted`)
  return deputy
}

test('PATCH /users/:id promotes: the same token passes the admin gates on its next request', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const alice = await loggedInUser(app, 'alice')
  assertError(t, await get(app, alice, '/admin_only'), 403, 'forbidden', 'before')

  const response = await patchUser(app, root, alice.id, { role: 'admin' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { id: alice.id, username: 'alice', name: 'Name of alice', role: 'admin', disabled: false, createdAt: response.json().createdAt })

  t.equal((await get(app, alice, '/admin_only')).statusCode, 200, 'admin_only with the old token')
  t.equal((await get(app, alice, '/users')).statusCode, 200, 'GET /users with the old token')
  t.match((await get(app, alice, '/profile')).json(), { role: 'admin' })
})

test('a demoted admin\'s next request with the same token is refused every admin route', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const deputy = await secondAdmin(t, app, root)
  const victim = await loggedInUser(app, 'victim')
  const task = await app.inject({ method: 'POST', url: '/todo', headers: victim.auth, payload: { title: 'Private' } })
  t.equal((await get(app, deputy, '/users')).statusCode, 200, 'deputy is an admin')

  const demoted = await patchUser(app, root, deputy.id, { role: 'normal' })
  t.equal(demoted.statusCode, 200)
  t.match(demoted.json(), { id: deputy.id, role: 'normal', disabled: false })

  assertError(t, await get(app, deputy, '/users'), 403, 'forbidden', 'GET /users')
  assertError(t, await get(app, deputy, `/users/${victim.id}`), 403, 'forbidden', 'GET /users/:id')
  assertError(t, await patchUser(app, deputy, root.id, { role: 'normal' }), 403, 'forbidden', 'PATCH /users/:id')
  assertError(t, await deleteUser(app, deputy, victim.id), 403, 'forbidden', 'DELETE /users/:id')
  assertError(t, await get(app, deputy, '/admin_only'), 403, 'forbidden', 'GET /admin_only')
  assertError(t, await app.inject({ method: 'PUT', url: `/todo/mark/${task.json().id}/1`, headers: deputy.auth }), 403, 'forbidden', 'PUT /todo/mark')
  assertError(t, await get(app, deputy, `/todo/${task.json().id}`), 404, 'not_found', 'another user\'s task is no longer visible')
  t.equal((await get(app, deputy, '/profile')).statusCode, 200, 'the session itself lives on')
  t.match((await get(app, root, `/users/${deputy.id}`)).json(), { role: 'normal' })
})

test('PATCH /users/:id renames, and disables: no more login, and the same token answers 403 account_disabled', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const bob = await loggedInUser(app, 'bob')

  const renamed = await patchUser(app, root, bob.id, { name: 'Robert' })
  t.equal(renamed.statusCode, 200)
  t.match(renamed.json(), { name: 'Robert', role: 'normal', disabled: false })
  t.match((await get(app, bob, '/profile')).json(), { name: 'Robert' }, 'the user sees the new name')

  const disabled = await patchUser(app, root, bob.id, { disabled: true })
  t.equal(disabled.statusCode, 200)
  t.match(disabled.json(), { id: bob.id, disabled: true })

  assertError(t, await get(app, bob, '/profile'), 403, 'account_disabled', 'the old token')
  assertError(t, await get(app, bob, '/todo'), 403, 'account_disabled', 'the old token on GET /todo')
  assertError(t, await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: bob.refreshToken } }), 403, 'account_disabled', 'refresh')
  assertError(t, await logIn(app, 'bob', bob.password), 403, 'account_disabled', 'login with the right password')
  assertError(t, await logIn(app, 'bob', 'a wrong password'), 401, 'invalid_credentials', 'login with a wrong password reveals nothing')

  const enabled = await patchUser(app, root, bob.id, { disabled: false })
  t.match(enabled.json(), { disabled: false })
  t.equal((await logIn(app, 'bob', bob.password)).statusCode, 200, 'logs in again once enabled')

  const both = await patchUser(app, root, bob.id, { name: 'Bob', role: 'admin', disabled: false })
  t.match(both.json(), { name: 'Bob', role: 'admin', disabled: false }, 'several fields at once')
})

test('PATCH /users/:id refuses bodies and ids that break the schema, and unknown users', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const bob = await loggedInUser(app, 'bob')
  const bodies: unknown[] = [
    {}, { role: 'root' }, { role: 'ADMIN' }, { role: null }, { name: '' }, { name: 'x'.repeat(101) }, { name: 42 },
    { disabled: 'true' }, { disabled: 1 }, { password: 'new-password-123' }, { username: 'renamed' }, { id: UNKNOWN_ID },
    { role: 'admin', extra: true }, [], null
  ]
  for (const body of bodies) {
    assertError(t, await patchUser(app, root, bob.id, body), 400, 'validation_error', `body ${JSON.stringify(body)}`)
  }
  const text = await app.inject({ method: 'PATCH', url: `/users/${bob.id}`, headers: { ...root.auth, 'content-type': 'text/plain' }, payload: 'role=admin' })
  assertError(t, text, 415, 'unsupported_media_type', 'a text body')
  assertError(t, await patchUser(app, root, 'not-a-uuid', { name: 'X' }), 400, 'validation_error', 'malformed id')
  assertError(t, await patchUser(app, root, UNKNOWN_ID, { name: 'X' }), 404, 'not_found', 'unknown id')
  t.match((await get(app, root, `/users/${bob.id}`)).json(), { name: 'Name of bob', role: 'normal', disabled: false }, 'bob unchanged')
})

test('an admin cannot demote, disable or delete themselves (403 own_account), but may rename themselves', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  await secondAdmin(t, app, root)

  assertError(t, await patchUser(app, root, root.id, { role: 'normal' }), 403, 'own_account', 'self-demotion')
  assertError(t, await patchUser(app, root, root.id.toUpperCase(), { role: 'normal' }), 403, 'own_account', 'self-demotion, upper-case id')
  assertError(t, await patchUser(app, root, root.id, { disabled: true }), 403, 'own_account', 'self-disable')
  assertError(t, await patchUser(app, root, root.id, { name: 'Root', disabled: true }), 403, 'own_account', 'a rename does not smuggle a self-disable')
  assertError(t, await deleteUser(app, root, root.id), 403, 'own_account', 'self-deletion')
  t.match((await get(app, root, `/users/${root.id}`)).json(), { name: 'root', role: 'admin', disabled: false }, 'nothing changed')

  const renamed = await patchUser(app, root, root.id, { name: 'The Root', role: 'admin', disabled: false })
  t.equal(renamed.statusCode, 200, 'a rename, with role and disabled unchanged, is fine')
  t.match(renamed.json(), { name: 'The Root', role: 'admin', disabled: false })
})

test('the last active admin cannot be demoted, disabled or deleted: 409 last_admin', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const deputy = await secondAdmin(t, app, root)

  // Between root's authentication and the change, deputy is disabled by someone else (as by a concurrent request):
  // deputy, whom root is about to demote, is then the last active admin.
  const { findById } = app.users
  t.teardown(() => { app.users.findById = findById })
  for (const change of [{ role: 'normal' }, { disabled: true }, 'delete'] as const) {
    let armed = true
    app.users.findById = async (id) => {
      if (armed) {
        armed = false
        await app.db.updateTable('users').set({ disabled: 1 }).where('id', '=', root.id).execute()
      }
      return await findById(id)
    }
    const response = change === 'delete' ? await deleteUser(app, root, deputy.id) : await patchUser(app, root, deputy.id, change)
    assertError(t, response, 409, 'last_admin', `${JSON.stringify(change)} of the last active admin`)
    t.match(response.json().message, /last active admin/)
    app.users.findById = findById
    await app.db.updateTable('users').set({ disabled: 0 }).where('id', '=', root.id).execute()
    t.match((await get(app, root, `/users/${deputy.id}`)).json(), { role: 'admin', disabled: false }, 'deputy unchanged: the change was rolled back')
  }

  // The repository refuses it by itself, whoever calls it (the operator's command line too).
  await app.users.update(deputy.id, { role: 'normal' })
  await t.rejects(app.users.update(root.id, { role: 'normal' }), { statusCode: 409, code: 'last_admin' }, 'demotion')
  await t.rejects(app.users.update(root.id, { disabled: true }), { code: 'last_admin' }, 'disable')
  await t.rejects(app.users.remove(root.id), { code: 'last_admin' }, 'delete')
  t.match(await app.users.update(root.id, { name: 'Still here' }), { role: 'admin', disabled: 0, name: 'Still here' }, 'other changes are fine')
  t.match(await app.users.update(deputy.id, { role: 'admin' }), { role: 'admin' }, 'promoting another admin')
  t.match(await app.users.update(root.id, { role: 'normal' }), { role: 'normal' }, 'now root may be demoted')
})

test('two admins demoting each other at the same time leave exactly one admin', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  // Two instances on one database, as behind a load balancer.
  const first = await build(t, { ...ADMIN, databaseUrl })
  const second = await build(t, { ...ADMIN, databaseUrl })
  const root = await loggedInAdmin(first)
  for (let round = 0; round < 3; round++) {
    const deputy = await secondAdmin(t, first, root, `deputy${round}`)
    const [one, other] = await Promise.all([
      patchUser(first, root, deputy.id, { role: 'normal' }),
      patchUser(second, deputy, root.id, { role: 'normal' })
    ])
    const statuses = [one.statusCode, other.statusCode].sort()
    t.equal(statuses.filter((status) => status === 200).length, 1, `round ${round}: exactly one demotion succeeds (${statuses.join(', ')})`)
    t.ok(statuses.every((status) => [200, 403, 409].includes(status)), `round ${round}: the other is refused (403 or 409)`)
    const admins = await first.db.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled', '=', 0).execute()
    t.equal(admins.length, 1, `round ${round}: one active admin remains`)
    // Whoever is left standing promotes root back for the next round.
    if (admins[0]?.id !== root.id) await first.users.update(root.id, { role: 'admin' })
    await first.users.update(deputy.id, { role: 'normal' })
  }
})

test('DELETE /users/:id removes the user with their tasks and sessions; the next request with their token is 401', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const carol = await loggedInUser(app, 'carol')
  const dave = await loggedInUser(app, 'dave')
  const task = (await app.inject({ method: 'POST', url: '/todo', headers: carol.auth, payload: { title: 'Carol\'s' } })).json()
  const davesTask = (await app.inject({ method: 'POST', url: '/todo', headers: dave.auth, payload: { title: 'Dave\'s' } })).json()

  const response = await deleteUser(app, root, carol.id)
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')

  assertError(t, await get(app, carol, '/profile'), 401, 'invalid_token', 'the deleted user\'s token')
  assertError(t, await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: carol.refreshToken } }), 401, 'invalid_token', 'the deleted user\'s refresh token')
  assertError(t, await logIn(app, 'carol', carol.password), 401, 'invalid_credentials', 'login')
  assertError(t, await get(app, root, `/users/${carol.id}`), 404, 'not_found', 'GET the deleted user')
  assertError(t, await get(app, root, `/todo/${task.id}`), 404, 'not_found', 'the deleted user\'s task')
  t.same((await get(app, root, `/todo?userId=${carol.id}`)).json(), [], 'no tasks left')
  const leftovers = await app.db.selectFrom('sessions').select('id').where('user_id', '=', carol.id).execute()
  t.same(leftovers, [], 'no sessions left')

  t.equal((await get(app, dave, `/todo/${davesTask.id}`)).statusCode, 200, 'other users keep their tasks')
  t.equal((await get(app, dave, '/profile')).statusCode, 200, 'and their sessions')

  assertError(t, await deleteUser(app, root, carol.id), 404, 'not_found', 'deleting twice')
  assertError(t, await deleteUser(app, root, UNKNOWN_ID), 404, 'not_found', 'unknown id')
  assertError(t, await deleteUser(app, root, 'not-a-uuid'), 400, 'validation_error', 'malformed id')
  t.equal((await logIn(app, 'carol', carol.password)).statusCode, 401, 'the username is free...')
  t.equal((await app.inject({ method: 'POST', url: '/register', payload: { username: 'carol', password: 'another-password', name: 'New Carol' } })).statusCode, 201, '...and can be registered again')
})

test('an admin may delete another admin, whose token then answers 401', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const deputy = await secondAdmin(t, app, root)
  t.equal((await deleteUser(app, root, deputy.id)).statusCode, 204)
  assertError(t, await get(app, deputy, '/users'), 401, 'invalid_token', 'the deleted admin')
  t.equal((await get(app, root, '/users')).json().length, 1, 'root alone remains')
})
