// Property tests of /profile from its schemas: GET /profile with any If-None-Match (a plain string in the document,
// so never refused) answers 304 exactly when a tag matches; PUT /profile/password takes valid bodies, refuses weak
// new passwords with 400 weak_password and bodies that break ChangePasswordBody with 400 validation_error.
import { test, type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { build, loggedInUser, logIn, type LoggedInUser } from '../helper.js'
import { isCommonPassword } from '../../lib/password-policy.js'
import { anyCase, documentedCodes, expectAnswer, expectRefused, HASHING_RUNS, ifNoneMatch, notAString, oneFieldBroken, RUNS, send, unicodeText } from './arbitraries.js'

// Wrong current passwords count as failed logins; shrinking a failure repeats them. The throttle has its own tests.
const NO_LOGIN_THROTTLE = { loginFailureLimit: 0 }

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

test('/profile against its schemas', async (t) => {
  const app = await build(t, NO_LOGIN_THROTTLE)
  // A username of 8 characters or more, so that it is also a password of valid length (refused as weak).
  const owner = await loggedInUser(app, 'profile-owner')
  await t.test('GET /profile: any If-None-Match is taken; 304 when it names the current tag, else 200', async (t) => await conditionalProfileProperties(t, app, owner))
  await t.test('PUT /profile/password: valid bodies 204 (401 for a wrong current password), weak 400 weak_password, invalid 400', async (t) => await changePasswordProperties(t, app, owner))
})
