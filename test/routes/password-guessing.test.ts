// PUT /profile/password as an attacker with a stolen access token would use it: guesses at the current password count
// against the per-account failure limit that logins use, argon2 runs only for guesses that are answered, and the
// credential routes' per-client limit (RATE_LIMIT_AUTH) applies to the route.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, loggedInUser, type LoggedInUser } from '../helper.js'

const LIMIT = 5

async function changePassword (app: FastifyInstance, user: LoggedInUser, currentPassword: string) {
  return await app.inject({ method: 'PUT', url: '/profile/password', headers: user.auth, payload: { currentPassword, newPassword: 'a brand new passphrase' } })
}

test('30 wrong current passwords: LOGIN_FAILURE_LIMIT get 401, the rest 429 with Retry-After, and argon2 runs only for those', async (t) => {
  // One address sends all 30, and holds a quarter of the password slots: room for all of them at once.
  const app = await build(t, { loginFailureLimit: LIMIT, argon2QueueSize: 400 })
  const user = await loggedInUser(app, 'token-thief-target')
  let verifies = 0
  const verify = app.passwords.verify
  app.passwords.verify = async (...args) => { verifies++; return await verify(...args) }

  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => changePassword(app, user, `guess number ${i}`)))
  const wrong = answers.filter((answer) => answer.statusCode === 401)
  const refused = answers.filter((answer) => answer.statusCode === 429)
  t.equal(wrong.length, LIMIT, `${LIMIT} guesses are checked (${answers.map((answer) => answer.statusCode).join(' ')})`)
  t.equal(refused.length, 30 - LIMIT, 'the rest are refused')
  for (const answer of wrong) t.same(answer.json(), { statusCode: 401, error: 'Unauthorized', message: 'The current password is wrong', code: 'invalid_credentials' })
  for (const answer of refused) {
    t.same(answer.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Too many failed logins for this account from your address; try again later', code: 'rate_limited' })
    t.ok(Number(answer.headers['retry-after']) > 0, 'with Retry-After')
  }
  t.equal(verifies, LIMIT, 'argon2 verified only the answered guesses')

  const right = await changePassword(app, user, user.password)
  t.equal(right.statusCode, 429, 'the right current password is refused too until the window ends')
  t.match(right.json(), { code: 'rate_limited' })
  const login = await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: user.password } })
  t.equal(login.statusCode, 429, 'the limit is the one logins use: login from that address is refused as well')
  t.match(login.json(), { code: 'rate_limited' })
})

test('failed logins and wrong current passwords share one allowance', async (t) => {
  const app = await build(t, { loginFailureLimit: 3 })
  const user = await loggedInUser(app, 'shared-allowance')
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: `bad login ${i}` } })).statusCode, 401)
  t.equal((await changePassword(app, user, 'bad current password')).statusCode, 401, 'the third failure')
  const refused = await changePassword(app, user, 'another bad password')
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { code: 'rate_limited' })
})

test('a right current password clears the count, and the change works', async (t) => {
  const app = await build(t, { loginFailureLimit: 2 })
  const user = await loggedInUser(app, 'clears-count')
  t.equal((await changePassword(app, user, 'wrong once')).statusCode, 401)
  const changed = await changePassword(app, user, user.password)
  t.equal(changed.statusCode, 204)
  t.equal(changed.body, '')
})

test('RATE_LIMIT_AUTH applies to PUT /profile/password, per client, counted before authentication', async (t) => {
  const app = await build(t, { rateLimitAuth: 3, loginFailureLimit: 0 })
  const user = await loggedInUser(app, 'auth-limited')
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await changePassword(app, user, `wrong ${i}`)).statusCode)
  t.same(statuses, [401, 401, 401])
  const limited = await changePassword(app, user, user.password)
  t.equal(limited.statusCode, 429)
  // What is left of the minute: 60 s on an idle machine, less on a loaded one.
  t.match(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: /^Too many requests; retry in ([1-9]|[1-5]\d|60) s$/, code: 'rate_limited' })
  t.match(String(limited.headers['retry-after']), /^([1-9]|[1-5]\d|60)$/)
  t.equal(limited.headers['ratelimit-limit'], '3')
  const noToken = await app.inject({ method: 'PUT', url: '/profile/password', payload: { currentPassword: 'x', newPassword: 'y' } })
  t.equal(noToken.statusCode, 429, 'a request without a token is counted and refused before authentication')
  t.match(noToken.json(), { code: 'rate_limited' })
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: user.auth })).statusCode, 200, 'GET /profile has only the global limit')
})
