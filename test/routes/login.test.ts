import { test, type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import type { AccessTokenClaims } from '../../plugins/auth.js'
import { build, logIn, registerUser } from '../helper.js'

// Many requests from one client: the auth rate limit is not what these tests are about.
const NO_RATE_LIMIT = { rateLimitAuth: 0 }

function claimsOf (token: string): AccessTokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, error: string, code: string, label: string): void {
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error, message: String, code }, `${label}: body`)
}

test('POST /login answers 200 with a token pair that is not cached', async (t) => {
  const app = await build(t)
  const user = await registerUser(app)
  const response = await logIn(app, user.username, user.password)

  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)
  t.equal(response.headers['cache-control'], 'no-store')
  t.equal(response.headers.pragma, 'no-cache')
  const body = response.json()
  t.same(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
  t.match(body, { access_token: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, token_type: 'Bearer', expires_in: 900, refresh_token: /^[A-Za-z0-9_-]{43,}$/ })
  t.not(body.refresh_token, body.access_token)

  const profile = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${body.access_token}` } })
  t.equal(profile.statusCode, 200)
  t.match(profile.json(), { id: user.id, username: user.username, role: 'normal' })
})

test('POST /login accepts the username in another letter case', async (t) => {
  const app = await build(t)
  const user = await registerUser(app, 'CamelCase', 'camel-case-password')
  for (const username of ['camelcase', 'CAMELCASE', 'cAMELcASE']) {
    const response = await logIn(app, username, user.password)
    t.equal(response.statusCode, 200, `${username}: status`)
    t.match(response.json(), { token_type: 'Bearer', expires_in: 900 }, `${username}: token pair`)
    t.equal(claimsOf(response.json().access_token).sub, user.id, `${username}: token for the registered user`)
  }
})

test('POST /login answers a wrong password and an unknown username identically: 401 invalid_credentials', async (t) => {
  const app = await build(t)
  const user = await registerUser(app)

  const wrongPassword = await logIn(app, user.username, `${user.password}-not`)
  const unknownUser = await logIn(app, 'nobody-here', user.password)
  // The password is checked exactly: not by prefix, nor regardless of case.
  const passwordPrefix = await logIn(app, user.username, user.password.slice(0, -1))
  const passwordInOtherCase = await logIn(app, user.username, user.password.toUpperCase())

  for (const [label, response] of [['wrong password', wrongPassword], ['unknown username', unknownUser], ['password prefix', passwordPrefix], ['password in other case', passwordInOtherCase]] as const) {
    assertError(t, response, 401, 'Unauthorized', 'invalid_credentials', label)
    t.equal(response.headers['www-authenticate'], 'Bearer realm="todo"', `${label}: WWW-Authenticate`)
  }
  t.same(unknownUser.json(), wrongPassword.json(), 'identical bodies')
  t.same(unknownUser.headers['www-authenticate'], wrongPassword.headers['www-authenticate'], 'identical challenge')
})

test('POST /login refuses a disabled account with 403 account_disabled, but only after a correct password', async (t) => {
  const app = await build(t)
  const user = await registerUser(app)
  await app.db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute()

  assertError(t, await logIn(app, user.username, user.password), 403, 'Forbidden', 'account_disabled', 'right password')
  // A wrong password learns nothing about the account's state.
  assertError(t, await logIn(app, user.username, `${user.password}-not`), 401, 'Unauthorized', 'invalid_credentials', 'wrong password')
})

test('POST /login refuses a body that breaks its schema with 400 validation_error', async (t) => {
  const app = await build(t, NO_RATE_LIMIT)
  const user = await registerUser(app)
  const cases: Array<[string, unknown]> = [
    ['missing password', { username: user.username }],
    ['missing username', { password: user.password }],
    ['empty body object', {}],
    ['empty username', { username: '', password: user.password }],
    ['empty password', { username: user.username, password: '' }],
    ['username longer than 32', { username: 'u'.repeat(33), password: user.password }],
    ['password longer than 128', { username: user.username, password: 'p'.repeat(129) }],
    ['username not a string', { username: 42, password: user.password }],
    ['password not a string', { username: user.username, password: ['an', 'array'] }],
    ['unknown property', { username: user.username, password: user.password, remember: true }],
    ['array body', [user.username, user.password]]
  ]
  for (const [label, payload] of cases) {
    const response = await app.inject({ method: 'POST', url: '/login', payload: payload as object })
    assertError(t, response, 400, 'Bad Request', 'validation_error', label)
  }

  const brokenJson = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/json' }, payload: `{"username": "${user.username}", "password": ` })
  assertError(t, brokenJson, 400, 'Bad Request', 'validation_error', 'malformed JSON')

  // The same credentials, well-formed, are fine: the refusals were about the shape.
  const valid = await logIn(app, user.username, user.password)
  t.equal(valid.statusCode, 200)
  t.equal(valid.json().token_type, 'Bearer')
})

test('each POST /login opens its own session: two logins give two different token pairs that both work', async (t) => {
  const app = await build(t)
  const user = await registerUser(app)
  const first = await logIn(app, user.username, user.password)
  const second = await logIn(app, user.username, user.password)
  t.equal(first.statusCode, 200)
  t.equal(second.statusCode, 200)

  t.not(first.json().access_token, second.json().access_token)
  t.not(first.json().refresh_token, second.json().refresh_token)
  t.not(claimsOf(first.json().access_token).sid, claimsOf(second.json().access_token).sid, 'different sessions')

  for (const [label, login] of [['first', first], ['second', second]] as const) {
    const profile = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${login.json().access_token}` } })
    t.equal(profile.statusCode, 200, `${label} token works`)
    t.equal(profile.json().id, user.id, `${label} token is the user's`)
  }

  const sessions = await app.db.selectFrom('sessions').select(['id', 'user_id']).where('user_id', '=', user.id).execute()
  t.same(sessions.map((session) => session.id).sort(), [claimsOf(first.json().access_token).sid, claimsOf(second.json().access_token).sid].sort())
})

test('refresh tokens are stored only as hashes', async (t) => {
  const app = await build(t)
  const user = await registerUser(app)
  const response = await logIn(app, user.username, user.password)
  t.equal(response.statusCode, 200)
  const { refresh_token: refreshToken, access_token: accessToken } = response.json()

  const rows = await app.db.selectFrom('refresh_tokens').selectAll().execute()
  t.equal(rows.length, 1, 'one refresh token for one login')
  const [row] = rows
  t.equal(row?.session_id, claimsOf(accessToken).sid, 'it belongs to the new session')
  t.match(row?.token_hash, /^[0-9a-f]{64}$/, 'a 64-hex-character hash')
  t.not(row?.token_hash, refreshToken, 'not the token itself')
  t.notOk(Object.values(row ?? {}).some((value) => typeof value === 'string' && value.includes(refreshToken)), 'the token appears in no column')
})
