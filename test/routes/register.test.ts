import { test, type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { build, logIn } from '../helper.js'

// Many requests from one client: the auth rate limit is not what these tests are about.
const NO_RATE_LIMIT = { rateLimitAuth: 0 }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const USER_KEYS = ['createdAt', 'id', 'name', 'role', 'username']

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, error: string, code: string, label: string): void {
  t.equal(response.statusCode, statusCode, `${label}: status`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode, error, message: String, code }, `${label}: body`)
}

function assertCreatedUser (t: Test, response: LightMyRequestResponse, username: string, name: string, label: string): void {
  t.equal(response.statusCode, 201, `${label}: status`)
  const user = response.json()
  t.same(Object.keys(user).sort(), USER_KEYS, `${label}: exactly the user fields`)
  t.match(user, { id: UUID, username, name, role: 'normal', createdAt: String }, `${label}: body`)
  t.equal(new Date(user.createdAt).toISOString(), user.createdAt, `${label}: createdAt is an ISO 8601 UTC timestamp`)
}

async function register (app: Awaited<ReturnType<typeof build>>, payload: unknown): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'POST', url: '/register', payload: payload as object })
}

test('POST /register answers 201 with the new normal user and exactly its public fields', async (t) => {
  const app = await build(t)
  const response = await register(app, { username: 'alice', password: 'correct horse battery', name: 'Alice Example' })

  assertCreatedUser(t, response, 'alice', 'Alice Example', 'alice')
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)

  const login = await logIn(app, 'alice', 'correct horse battery')
  t.equal(login.statusCode, 200, 'the new user can log in')
  t.equal(login.json().token_type, 'Bearer')
})

test('POST /register accepts every field at its limits', async (t) => {
  const app = await build(t)
  const shortest = await register(app, { username: 'abc', password: '8 chars!', name: 'A' })
  assertCreatedUser(t, shortest, 'abc', 'A', 'shortest username, password and name')

  const longUsername = 'Aa0_.-'.repeat(5) + 'zz'
  const longName = 'N'.repeat(100)
  const longPassword = 'p'.repeat(127) + '!'
  const longest = await register(app, { username: longUsername, password: longPassword, name: longName })
  assertCreatedUser(t, longest, longUsername, longName, 'longest username (32), password (128) and name (100)')

  const login = await logIn(app, longUsername, longPassword)
  t.equal(login.statusCode, 200, 'the 128-character password logs in')
  t.equal(login.json().token_type, 'Bearer')
})

test('POST /register never truncates the password: a 100-character one must be given in full', async (t) => {
  const app = await build(t)
  // Differs from its variants only after byte 72, where bcrypt would stop reading.
  const password = 'x'.repeat(99) + '1'
  assertCreatedUser(t, await register(app, { username: 'longpass', password, name: 'Long Pass' }), 'longpass', 'Long Pass', 'register')

  const full = await logIn(app, 'longpass', password)
  t.equal(full.statusCode, 200, 'the full password logs in')
  t.equal(full.json().token_type, 'Bearer')

  assertError(t, await logIn(app, 'longpass', 'x'.repeat(99) + '2'), 401, 'Unauthorized', 'invalid_credentials', 'last character changed')
  assertError(t, await logIn(app, 'longpass', 'x'.repeat(72)), 401, 'Unauthorized', 'invalid_credentials', 'first 72 characters')
})

test('POST /register refuses each broken field with 400 validation_error and creates nothing', async (t) => {
  const app = await build(t, NO_RATE_LIMIT)
  const valid = { username: 'validname', password: 'valid-password', name: 'Valid Name' }
  const cases: Array<[string, unknown, RegExp]> = [
    ['username shorter than 3', { ...valid, username: 'ab' }, /username/],
    ['username longer than 32', { ...valid, username: 'u'.repeat(33) }, /username/],
    ['username with a space', { ...valid, username: 'a b' }, /username/],
    ['username with a non-ASCII letter', { ...valid, username: 'jürgen' }, /username/],
    ['username of one non-ASCII letter', { ...valid, username: 'ä' }, /username/],
    ['username with a slash', { ...valid, username: 'a/b/c' }, /username/],
    ['username not a string', { ...valid, username: 12345 }, /username/],
    ['password shorter than 8', { ...valid, password: 'seven77' }, /password/],
    ['password longer than 128', { ...valid, password: 'p'.repeat(129) }, /password/],
    ['password not a string', { ...valid, password: 12345678 }, /password/],
    ['empty name', { ...valid, name: '' }, /name/],
    ['name longer than 100', { ...valid, name: 'n'.repeat(101) }, /name/],
    ['missing username', { password: valid.password, name: valid.name }, /username/],
    ['missing password', { username: valid.username, name: valid.name }, /password/],
    ['missing name', { username: valid.username, password: valid.password }, /name/],
    ['empty object', {}, /required/],
    ['unknown property role: admin', { ...valid, role: 'admin' }, /role/],
    ['unknown property id', { ...valid, id: '00000000-0000-4000-8000-000000000000' }, /id/],
    ['array body', [valid.username, valid.password, valid.name], /object/]
  ]
  for (const [label, payload, mentions] of cases) {
    const response = await register(app, payload)
    assertError(t, response, 400, 'Bad Request', 'validation_error', label)
    t.match(response.json().message, mentions, `${label}: the message names the problem`)
  }

  const brokenJson = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/json' }, payload: '{"username": "validname", "password": ' })
  assertError(t, brokenJson, 400, 'Bad Request', 'validation_error', 'malformed JSON')

  const users = await app.db.selectFrom('users').select('username').execute()
  t.same(users, [], 'no refused request created a user')

  // No request can make itself admin: the same registration without the extra role is a normal user.
  assertCreatedUser(t, await register(app, valid), valid.username, valid.name, 'the valid body')
})

test('POST /register refuses a body that is not JSON', async (t) => {
  const app = await build(t)
  const brokenJson = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/json' }, payload: 'username=formuser&password=form-password' })
  assertError(t, brokenJson, 400, 'Bad Request', 'validation_error', 'not JSON, sent as JSON')
  const noBody = await app.inject({ method: 'POST', url: '/register' })
  assertError(t, noBody, 400, 'Bad Request', 'validation_error', 'no body')

  // Another media type is 415 unsupported_media_type, the README's documented addition to API.md's codes.
  const form = 'username=formuser&password=form-password&name=Form'
  const formBody = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form })
  assertError(t, formBody, 415, 'Unsupported Media Type', 'unsupported_media_type', 'form body')
  // text/plain is a client error in the error shape either way (whether it answers 400 or 415 is test/routes/hostile-input.test.ts's concern).
  const plainText = await app.inject({ method: 'POST', url: '/register', headers: { 'content-type': 'text/plain' }, payload: form })
  t.ok([400, 415].includes(plainText.statusCode), `text/plain: a client error (got ${plainText.statusCode})`)
  t.match(plainText.json(), { statusCode: plainText.statusCode, code: /^(validation_error|unsupported_media_type)$/ }, 'text/plain: error body')

  const users = await app.db.selectFrom('users').select('username').execute()
  t.same(users, [], 'no user created')
})

test('two concurrent registrations of one username: one 201, one 409, never a 500', async (t) => {
  const app = await build(t)
  const [first, second] = await Promise.all(['racer', 'RACER'].map((username) => register(app, { username, password: `${username}-password`, name: 'Racer' })))
  const statuses = [first?.statusCode, second?.statusCode].sort()
  t.same(statuses, [201, 409])
  const conflict = first?.statusCode === 409 ? first : second
  t.match(conflict?.json(), { statusCode: 409, error: 'Conflict', code: 'username_taken' })
  const users = await app.db.selectFrom('users').select('username').execute()
  t.equal(users.length, 1, 'one user stored')
})

test('POST /register refuses a password equal to the username, in any letter case, with 400 weak_password', async (t) => {
  const app = await build(t)
  for (const [username, password] of [['sameasname', 'sameasname'], ['SameAsName2', 'sameasname2'], ['lowercase3', 'LOWERCASE3']]) {
    const response = await register(app, { username, password, name: 'Weak' })
    assertError(t, response, 400, 'Bad Request', 'weak_password', `${username} / ${password}`)
  }
  const users = await app.db.selectFrom('users').select('username').execute()
  t.same(users, [], 'no user created')
})

test('POST /register refuses a commonly used password with 400 weak_password', async (t) => {
  const app = await build(t)
  for (const password of ['password', '12345678', 'password123', 'qwertyuiop']) {
    const response = await register(app, { username: `common-${password}`, password, name: 'Common' })
    t.equal(response.statusCode, 400, `${password}: status`)
    t.equal(response.json().code, 'weak_password', `${password}: code`)
  }
})

test('POST /register answers 409 username_taken for a username that exists in any letter case', async (t) => {
  const app = await build(t)
  assertCreatedUser(t, await register(app, { username: 'Taken', password: 'first-password', name: 'First' }), 'Taken', 'First', 'first registration')

  for (const username of ['Taken', 'taken', 'TAKEN', 'tAkEn']) {
    const response = await register(app, { username, password: 'second-password', name: 'Second' })
    assertError(t, response, 409, 'Conflict', 'username_taken', username)
  }

  // The first account is untouched: its password still works, the second one does not.
  const first = await logIn(app, 'taken', 'first-password')
  t.equal(first.statusCode, 200)
  t.equal(first.json().token_type, 'Bearer')
  assertError(t, await logIn(app, 'taken', 'second-password'), 401, 'Unauthorized', 'invalid_credentials', 'second password')
  const users = await app.db.selectFrom('users').select(['username', 'name']).execute()
  t.same(users, [{ username: 'Taken', name: 'First' }])
})
