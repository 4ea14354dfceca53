// Sessions end when they must, even against requests already in flight: a password change, disable, "end all
// sessions" and deletion win over logins that verified the old credentials, and a session's expiry ends its tokens.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test, type Test } from 'tap'
import { ADMIN, build, loggedInAdmin, loggedInUser, logIn, registerUser, type LoggedInUser } from '../helper.js'

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'
const ERRORS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, code: string, label: string): void {
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error: ERRORS[statusCode], code, message: /\S/ }, `${label}: body`)
}

async function profile (app: FastifyInstance, accessToken: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${accessToken}` } })
}

async function refresh (app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: refreshToken } })
}

async function endSessions (app: FastifyInstance, who: LoggedInUser, id: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'DELETE', url: `/users/${id}/sessions`, headers: who.auth })
}

// Both tokens of a pair are refused with the same code.
async function assertPairRefused (t: Test, app: FastifyInstance, pair: { accessToken: string, refreshToken: string }, code: string, label: string): Promise<void> {
  assertError(t, await profile(app, pair.accessToken), 401, code, `${label}: access token`)
  assertError(t, await refresh(app, pair.refreshToken), 401, code, `${label}: refresh token`)
}

function decodedClaims (accessToken: string): { exp: number, iat: number } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

// Right passwords sent at once each hold one of the failure allowance's attempts while argon2 checks them: the races
// below need more attempts than LOGIN_FAILURE_LIMIT's default, or the excess is refused with 429 before any check.
// The racing logins come from one address, which holds a quarter of the password slots: room for all of them at once.
const RACING = { loginFailureLimit: 100, argon2QueueSize: 400 }

test('logins racing PUT /profile/password: once it returns, no session opened with the old password works', async (t) => {
  const app = await build(t, RACING)
  const owner = await loggedInUser(app, 'racer')
  const newPassword = 'the racer\'s brand new passphrase'
  // Logins start all along the change (they share the argon2 pool with it): some read the old hash before the new
  // one is stored and finish verifying it after, which is the race.
  const changing = app.inject({ method: 'PUT', url: '/profile/password', headers: owner.auth, payload: { currentPassword: owner.password, newPassword } })
  const logins = Array.from({ length: 25 }, async (_, index) => {
    await new Promise((resolve) => setTimeout(resolve, index * 8))
    return await logIn(app, owner.username, owner.password)
  })
  const change = await changing
  t.equal(change.statusCode, 204, 'the change succeeds')
  t.equal(change.body, '')
  const answers = await Promise.all(logins)

  let opened = 0
  for (const answer of answers) {
    if (answer.statusCode === 200) {
      opened++
      const { access_token: accessToken, refresh_token: refreshToken } = answer.json()
      await assertPairRefused(t, app, { accessToken, refreshToken }, 'token_revoked', 'a session opened with the old password')
    } else {
      assertError(t, answer, 401, 'invalid_credentials', 'a login that lost the race')
    }
  }
  t.comment(`${opened} of 25 racing logins opened a session (now ended), ${25 - opened} were refused`)
  t.equal((await profile(app, owner.accessToken)).statusCode, 200, 'the session that changed the password goes on')
  assertError(t, await logIn(app, owner.username, owner.password), 401, 'invalid_credentials', 'the old password after the change')
  t.equal((await logIn(app, owner.username, newPassword)).statusCode, 200, 'the new password works')
})

test('a session opened with an older credential version is refused on use, access and refresh alike', async (t) => {
  // The state a login leaves when it verified the old password and opened its session just as the change committed.
  const app = await build(t)
  const user = await loggedInUser(app, 'stale')
  await app.db.updateTable('users').set((eb) => ({ credential_version: eb('credential_version', '+', 1) })).where('id', '=', user.id).execute()
  await assertPairRefused(t, app, user, 'token_revoked', 'a stale session')
})

test('a login whose credentials changed after the password was verified opens no session (401 invalid_credentials)', async (t) => {
  const app = await build(t)
  const user = await registerUser(app, 'slowpoke')
  const row = await app.users.findById(user.id)
  await app.db.updateTable('users').set((eb) => ({ credential_version: eb('credential_version', '+', 1) })).where('id', '=', user.id).execute()
  await t.rejects(app.tokens.issueForNewSession(user.id, row?.credential_version ?? 0), { statusCode: 401, code: 'invalid_credentials' })
  const sessions = await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()
  t.same(sessions, [], 'no session row was written')
})

test('a login racing the user\'s deletion answers 200 or 401 invalid_credentials, never 500', async (t) => {
  const app = await build(t, { ...ADMIN, ...RACING })
  const root = await loggedInAdmin(app)
  const doomed = await registerUser(app, 'doomed')
  // Deterministic: the password was verified, then the user was deleted before the session was opened.
  await t.rejects(app.tokens.issueForNewSession(UNKNOWN_ID, 0), { statusCode: 401, code: 'invalid_credentials' }, 'a session for a user that is gone')

  const logins = Array.from({ length: 10 }, async () => await logIn(app, doomed.username, doomed.password))
  const deletion = await app.inject({ method: 'DELETE', url: `/users/${doomed.id}`, headers: root.auth })
  t.equal(deletion.statusCode, 204)
  for (const answer of await Promise.all(logins)) {
    if (answer.statusCode === 200) assertError(t, await profile(app, answer.json().access_token), 401, 'invalid_token', 'a token of a deleted user')
    else assertError(t, answer, 401, 'invalid_credentials', 'a login that lost the race')
  }
})

test('a task created for a user deleted after the token was checked answers 401, not 500', async (t) => {
  const app = await build(t)
  await t.rejects(app.tasks.create({ userId: UNKNOWN_ID, title: 'orphan', description: '', due: new Date().toISOString() }), { statusCode: 401, code: 'invalid_token' })
})

test('disabling a user ends every session; enabling again revives none', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const user = await loggedInUser(app, 'paused')
  const second = await logIn(app, user.username, user.password)
  const disable = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, headers: root.auth, payload: { disabled: true } })
  t.equal(disable.statusCode, 200)
  assertError(t, await profile(app, user.accessToken), 403, 'account_disabled', 'while disabled')

  const enable = await app.inject({ method: 'PATCH', url: `/users/${user.id}`, headers: root.auth, payload: { disabled: false } })
  t.match(enable.json(), { id: user.id, disabled: false })
  await assertPairRefused(t, app, user, 'token_revoked', 'after re-enabling')
  await assertPairRefused(t, app, { accessToken: second.json().access_token, refreshToken: second.json().refresh_token }, 'token_revoked', 'the other session after re-enabling')
  const fresh = await logIn(app, user.username, user.password)
  t.equal(fresh.statusCode, 200, 'a new login works')
  t.equal((await profile(app, fresh.json().access_token)).statusCode, 200)
})

test('DELETE /users/:id/sessions ends every session of the user at once; the account stays usable', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const user = await loggedInUser(app, 'juggler')
  const other = await logIn(app, user.username, user.password)

  const ended = await endSessions(app, root, user.id.toUpperCase())
  t.equal(ended.statusCode, 204)
  t.equal(ended.body, '')
  await assertPairRefused(t, app, user, 'token_revoked', 'first session')
  await assertPairRefused(t, app, { accessToken: other.json().access_token, refreshToken: other.json().refresh_token }, 'token_revoked', 'second session')
  t.equal((await profile(app, root.accessToken)).statusCode, 200, 'the admin\'s own session goes on')

  const again = await logIn(app, user.username, user.password)
  t.equal(again.statusCode, 200, 'the user logs in again')
  t.match((await profile(app, again.json().access_token)).json(), { id: user.id, username: 'juggler' })
})

test('DELETE /users/:id/sessions: 404 for an unknown id, 400 for a bad one, 403 for a normal user, 401 without a token', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const user = await loggedInUser(app, 'nosy')
  assertError(t, await endSessions(app, root, UNKNOWN_ID), 404, 'not_found', 'unknown id')
  assertError(t, await endSessions(app, root, 'not-a-uuid'), 400, 'validation_error', 'bad id')
  assertError(t, await endSessions(app, user, root.id), 403, 'forbidden', 'normal user')
  assertError(t, await app.inject({ method: 'DELETE', url: `/users/${user.id}/sessions` }), 401, 'invalid_token', 'no token')
  t.equal((await profile(app, root.accessToken)).statusCode, 200, 'the refused attempt ended nothing')
})

test('DELETE /users/:id/sessions on one\'s own account ends the caller\'s session too, and nothing else', async (t) => {
  const app = await build(t, ADMIN)
  const root = await loggedInAdmin(app)
  const user = await loggedInUser(app, 'bystander')
  t.equal((await endSessions(app, root, root.id)).statusCode, 204)
  await assertPairRefused(t, app, root, 'token_revoked', 'the admin\'s own session')
  t.equal((await profile(app, user.accessToken)).statusCode, 200, 'other users keep their sessions')
  t.equal((await logIn(app, ADMIN.adminUsername, ADMIN.adminPassword)).statusCode, 200, 'the admin logs in again')
})

test('a session past its absolute expiry refuses its access token with 401 token_expired', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app, 'lapsed')
  await app.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('user_id', '=', user.id).execute()
  assertError(t, await profile(app, user.accessToken), 401, 'token_expired', 'access token of an expired session')
  assertError(t, await refresh(app, user.refreshToken), 401, 'token_expired', 'refresh token of an expired session')
})

test('a refresh shortly before the session\'s expiry issues an access token that ends with the session', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app, 'late')
  const sessionEnd = Date.now() + 30_000
  await app.db.updateTable('sessions').set({ expires_at: new Date(sessionEnd).toISOString() }).where('user_id', '=', user.id).execute()
  const refreshed = await refresh(app, user.refreshToken)
  t.equal(refreshed.statusCode, 200)
  const { exp } = decodedClaims(refreshed.json().access_token)
  t.ok(exp <= Math.floor(sessionEnd / 1000), `exp ${exp} is not past the session's end ${Math.floor(sessionEnd / 1000)}`)
  t.ok(refreshed.json().expires_in <= 30, `expires_in ${String(refreshed.json().expires_in)} says so`)
  t.ok(refreshed.json().expires_in > 0)
})
