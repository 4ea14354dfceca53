// Property tests of the operations of the document's auth tag (/register, /login, /refresh, /logout, /profile) from
// their schemas (schemas/users.ts, schemas/sessions.ts, schemas/conditional.ts): generated valid input gets the
// documented answer, input that breaks the schema or the password policy gets 400 with a code that the operation
// documents for 400. GET /profile's If-None-Match is a plain string in the document, so never refused: it decides
// between 200 and 304. Runs that hash or verify a password are few (HASHING_RUNS); one app serves every property.
import { test, type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { build, loggedInUser, logIn, type LoggedInUser } from '../helper.js'
import { isCommonPassword } from '../../lib/auth/password-policy.js'
import {
  anyCase, documentedCodes, expectAnswer, expectRefused, HASHING_RUNS, ifNoneMatch, notAString, oneFieldBroken, RUNS, send, text, textWithNul,
  UNLIMITED_REQUESTS, unicodeText, unicodeTextWithoutNul, unknownName, withQuery
} from './arbitraries.js'

// Repeated failures for one username (wrong passwords, wrong current passwords) answer 429 once fast-check shrinks a
// failure; the throttle has its own tests.
const NO_LOGIN_THROTTLE = { loginFailureLimit: 0 }

const USERNAME_CHARACTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-']
const username = fc.string({ unit: fc.constantFrom(...USERNAME_CHARACTERS), minLength: 3, maxLength: 32 })
const displayName = unicodeTextWithoutNul(1, 100)

const validRegisterBody = fc.record({ username, password: unicodeText(8, 128), name: displayName })
  .filter(({ username, password }) => password.toLowerCase() !== username.toLowerCase() && !isCommonPassword(password))

// Passwords the policy refuses (lib/auth/password-policy.ts): a commonly used one in any letter case, or the username.
const weakRegisterBody = fc.oneof(
  fc.record({ username, password: fc.constantFrom('password', '12345678', 'iloveyou', 'sunshine', 'qwertyuiop', 'trustno1').chain(anyCase), name: displayName }),
  fc.record({ username: username.filter((name) => name.length >= 8), name: displayName }).chain((body) => anyCase(body.username).map((password) => ({ ...body, password })))
)

const invalidRegisterBody = oneFieldBroken(validRegisterBody, {
  username: fc.oneof(fc.string({ unit: fc.constantFrom(...USERNAME_CHARACTERS), maxLength: 2 }), fc.string({ unit: fc.constantFrom(...USERNAME_CHARACTERS), minLength: 33, maxLength: 40 }), fc.tuple(username, fc.constantFrom(' ', '@', 'é', '/', '\u0000', '+')).map(([name, wrong]) => `${name}${wrong}`), notAString),
  password: fc.oneof(unicodeText(0, 7), unicodeText(129, 140), notAString),
  name: fc.oneof(fc.constant(''), unicodeTextWithoutNul(101, 120), textWithNul(100), notAString)
}, ['username', 'password', 'name'], ['username', 'password', 'name'])

async function registerProperties (t: Test, app: FastifyInstance): Promise<void> {
  const documented = await documentedCodes(app, '/register', 'post')
  const taken = new Set<string>()

  await fc.assert(fc.asyncProperty(validRegisterBody, async (body) => {
    const exchange = await send(app, { method: 'POST', url: '/register', payload: body })
    if (taken.has(body.username.toLowerCase())) return expectAnswer(exchange, [409], ['username_taken'])
    expectAnswer(exchange, [201])
    taken.add(body.username.toLowerCase())
    const user = exchange.response.json()
    if (user.username !== body.username || user.name !== body.name || user.role !== 'normal') throw new Error(`registered as ${exchange.response.body}`)
  }), { numRuns: HASHING_RUNS })
  t.pass('every valid body registered')

  await fc.assert(fc.asyncProperty(weakRegisterBody, async (body) => {
    expectRefused(await send(app, { method: 'POST', url: '/register', payload: body }), documented, 'weak_password')
  }), { numRuns: RUNS })
  t.pass('every weak password got 400 weak_password')

  await fc.assert(fc.asyncProperty(invalidRegisterBody, async (body) => {
    expectRefused(await send(app, { method: 'POST', url: '/register', payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 validation_error')
}

const validLoginBody = fc.record({ username: unicodeTextWithoutNul(1, 32), password: unicodeText(1, 128) })

const invalidLoginBody = oneFieldBroken(validLoginBody, {
  username: fc.oneof(fc.constant(''), unicodeTextWithoutNul(33, 40), textWithNul(32), notAString),
  password: fc.oneof(fc.constant(''), unicodeText(129, 140), notAString)
}, ['username', 'password'], ['username', 'password'])

async function loginProperties (t: Test, app: FastifyInstance): Promise<void> {
  const alice = await loggedInUser(app)
  const documented = await documentedCodes(app, '/login', 'post')
  const unauthorized = await documentedCodes(app, '/login', 'post', 401)
  const aliceCredentials = anyCase(alice.username).map((name) => ({ username: name, password: alice.password }))

  await fc.assert(fc.asyncProperty(fc.oneof(aliceCredentials, validLoginBody), async (body) => {
    const exchange = await send(app, { method: 'POST', url: '/login', payload: body })
    const isAlice = body.username.toLowerCase() === alice.username.toLowerCase() && body.password === alice.password
    expectAnswer(exchange, isAlice ? [200] : [401], unauthorized)
    if (isAlice && exchange.response.json().token_type !== 'Bearer') throw new Error(`tokens: ${exchange.response.body}`)
  }), { numRuns: HASHING_RUNS })
  t.pass('alice logged in, every other valid body got 401')

  await fc.assert(fc.asyncProperty(invalidLoginBody, async (body) => {
    expectRefused(await send(app, { method: 'POST', url: '/login', payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 validation_error')
}

const invalidRefreshBody = oneFieldBroken(fc.record({ refresh_token: unicodeText(1, 512) }), {
  refresh_token: fc.oneof(fc.constant(''), unicodeText(513, 540), notAString)
}, ['refresh_token'], ['refresh_token'])

async function refreshProperties (t: Test, app: FastifyInstance): Promise<void> {
  const alice = await loggedInUser(app)
  const documented = await documentedCodes(app, '/refresh', 'post')
  const unauthorized = await documentedCodes(app, '/refresh', 'post', 401)
  // Refresh tokens are single use: each pair's refresh token is the next run's.
  let latest = alice.refreshToken

  await fc.assert(fc.asyncProperty(fc.option(unicodeText(1, 512), { nil: undefined, freq: 2 }), async (token) => {
    const exchange = await send(app, { method: 'POST', url: '/refresh', payload: { refresh_token: token ?? latest } })
    if (token !== undefined && token !== latest) return expectAnswer(exchange, [401], unauthorized)
    expectAnswer(exchange, [200])
    latest = exchange.response.json().refresh_token
  }), { numRuns: RUNS })
  t.pass('the latest token was exchanged, every other token got 401')

  await fc.assert(fc.asyncProperty(invalidRefreshBody, async (body) => {
    expectRefused(await send(app, { method: 'POST', url: '/refresh', payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 validation_error')
}

async function newSession (app: FastifyInstance, user: { username: string, password: string }): Promise<{ authorization: string }> {
  const response = await logIn(app, user.username, user.password)
  if (response.statusCode !== 200) throw new Error(`login: ${response.statusCode} ${response.body}`)
  return { authorization: `Bearer ${response.json().access_token}` }
}

const scope = fc.constantFrom('local', 'others', 'global')

// Query strings POST /logout refuses: a scope outside the enum (names are case-sensitive), two scopes, an unknown parameter.
const invalidLogoutQuery: fc.Arbitrary<Record<string, string | string[]>> = fc.oneof(
  fc.record({ scope: fc.oneof(fc.constantFrom('', 'LOCAL', 'Global', 'all', 'local ', 'none'), text(1, 12).filter((value) => !['local', 'others', 'global'].includes(value))) }),
  fc.record({ scope: fc.tuple(scope, scope).map((pair) => [...pair]) }),
  fc.tuple(unknownName(['scope']), text(0, 12)).map(([name, value]) => ({ [name]: value }))
)

async function logoutProperties (t: Test, app: FastifyInstance): Promise<void> {
  const alice = await loggedInUser(app)
  const documented = await documentedCodes(app, '/logout', 'post')

  await fc.assert(fc.asyncProperty(fc.option(scope, { nil: undefined }), async (chosen) => {
    // A fresh session each run: local and global end the caller's own.
    const exchange = await send(app, { method: 'POST', url: withQuery('/logout', { scope: chosen }), headers: await newSession(app, alice) })
    expectAnswer(exchange, [204])
    if (exchange.response.body !== '') throw new Error(`a body: ${exchange.response.body}`)
  }), { numRuns: HASHING_RUNS })
  t.pass('every valid scope logged out')

  const invalidRequest = fc.oneof(
    invalidLogoutQuery.map((query) => ({ query, payload: undefined })),
    fc.record({ query: fc.option(scope.map((value) => ({ scope: value })), { nil: undefined }), payload: fc.dictionary(text(1, 8), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) })
  )
  // A session the valid runs (scope=global) have not ended; a refused logout must leave it open.
  const auth = await newSession(app, alice)
  await fc.assert(fc.asyncProperty(invalidRequest, async ({ query, payload }) => {
    expectRefused(await send(app, { method: 'POST', url: withQuery('/logout', query ?? {}), headers: auth, payload }), documented, 'validation_error')
  }), { numRuns: RUNS })
  expectAnswer(await send(app, { method: 'GET', url: '/profile', headers: auth }), [200])
  t.pass('every invalid logout got 400 validation_error, and the session stayed open')
}

async function conditionalProfileProperties (t: Test, app: FastifyInstance, user: LoggedInUser): Promise<void> {
  const first = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  const current = String(first.headers.etag)

  await fc.assert(fc.asyncProperty(ifNoneMatch(current), async ({ matches, header }) => {
    const exchange = await send(app, { method: 'GET', url: '/profile', headers: { ...user.auth, 'if-none-match': header } })
    expectAnswer(exchange, [matches ? 304 : 200])
    if (exchange.response.headers.etag !== current) throw new Error(`ETag ${String(exchange.response.headers.etag)}, not ${current}`)
    if (matches ? exchange.response.body !== '' : exchange.response.json().id !== user.id) throw new Error(`body ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('304 exactly when If-None-Match names the current tag, 200 with the profile otherwise')
}

const newPassword = (username: string): fc.Arbitrary<string> => unicodeText(8, 128).filter((password) => password.toLowerCase() !== username.toLowerCase() && !isCommonPassword(password))

async function changePasswordProperties (t: Test, app: FastifyInstance, user: LoggedInUser): Promise<void> {
  const documented = await documentedCodes(app, '/profile/password', 'put')
  const unauthorized = await documentedCodes(app, '/profile/password', 'put', 401)
  // The password changes with every accepted run.
  let password = user.password

  const attempt = fc.record({ currentIsRight: fc.boolean(), wrongCurrent: unicodeText(1, 128), next: newPassword(user.username) })
  await fc.assert(fc.asyncProperty(attempt, async ({ currentIsRight, wrongCurrent, next }) => {
    const currentPassword = currentIsRight ? password : wrongCurrent
    const exchange = await send(app, { method: 'PUT', url: '/profile/password', headers: user.auth, payload: { currentPassword, newPassword: next } })
    if (currentPassword !== password) return expectAnswer(exchange, [401], unauthorized)
    expectAnswer(exchange, [204])
    password = next
  }), { numRuns: HASHING_RUNS })
  const login = await logIn(app, user.username, password)
  if (login.statusCode !== 200) throw new Error(`login with the last new password: ${login.statusCode} ${login.body}`)
  t.pass('the right current password changed it (the new one logs in), a wrong one got 401')

  const weak = fc.oneof(fc.constantFrom('password', '12345678', 'iloveyou', 'sunshine', 'qwertyuiop', 'trustno1'), fc.constant(user.username)).chain(anyCase)
  await fc.assert(fc.asyncProperty(weak, async (next) => {
    expectRefused(await send(app, { method: 'PUT', url: '/profile/password', headers: user.auth, payload: { currentPassword: password, newPassword: next } }), documented, 'weak_password')
  }), { numRuns: HASHING_RUNS })
  t.pass('every weak new password got 400 weak_password')

  const invalidBody = oneFieldBroken(fc.record({ currentPassword: unicodeText(1, 128), newPassword: newPassword(user.username) }), {
    currentPassword: fc.oneof(fc.constant(''), unicodeText(129, 140), notAString),
    newPassword: fc.oneof(unicodeText(0, 7), unicodeText(129, 140), notAString)
  }, ['currentPassword', 'newPassword'], ['currentPassword', 'newPassword'])
  await fc.assert(fc.asyncProperty(invalidBody, async (body) => {
    expectRefused(await send(app, { method: 'PUT', url: '/profile/password', headers: user.auth, payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 validation_error')
}

test('the auth operations (the document\'s auth tag) against their schemas', async (t) => {
  const app = await build(t, { ...NO_LOGIN_THROTTLE, ...UNLIMITED_REQUESTS })
  await t.test('POST /register: valid bodies register (201, or 409 for a taken name), weak passwords 400 weak_password, the rest 400', async (t) => await registerProperties(t, app))
  await t.test('POST /login: a user\'s credentials (any letter case of the name) get 200, other valid bodies 401, invalid ones 400', async (t) => await loginProperties(t, app))
  await t.test('POST /refresh: the latest refresh token gets a new pair, other tokens 401, invalid bodies 400', async (t) => await refreshProperties(t, app))
  await t.test('POST /logout: each scope (or none) ends sessions with 204; other scopes, parameters or a body get 400', async (t) => await logoutProperties(t, app))
  // A username of 8 characters or more, so that it is also a password of valid length (refused as weak).
  const owner = await loggedInUser(app, 'profile-owner')
  await t.test('GET /profile: any If-None-Match is taken; 304 when it names the current tag, else 200', async (t) => await conditionalProfileProperties(t, app, owner))
  await t.test('PUT /profile/password: valid bodies 204 (401 for a wrong current password), weak 400 weak_password, invalid 400', async (t) => await changePasswordProperties(t, app, owner))
})
