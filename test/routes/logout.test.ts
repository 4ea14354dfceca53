// POST /logout?scope=local|others|global and PUT /profile/password end sessions on the very next request.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, logIn, loggedInUser, type LoggedInUser } from '../helper.js'

async function profile (app: FastifyInstance, accessToken: string) {
  return await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${accessToken}` } })
}

// The user logged in three times: three sessions, each with its own access token.
async function threeSessions (app: FastifyInstance): Promise<{ user: LoggedInUser, tokens: string[] }> {
  const user = await loggedInUser(app)
  const more = await Promise.all([logIn(app, user.username, user.password), logIn(app, user.username, user.password)])
  return { user, tokens: [user.accessToken, ...more.map((response) => response.json().access_token as string)] }
}

async function statuses (app: FastifyInstance, tokens: string[]): Promise<number[]> {
  return await Promise.all(tokens.map(async (token) => (await profile(app, token)).statusCode))
}

test('logout scopes', async (t) => {
  const app = await build(t)
  const bystander = await loggedInUser(app)

  const cases = [
    { scope: undefined, expected: [401, 200, 200] },
    { scope: 'local', expected: [401, 200, 200] },
    { scope: 'others', expected: [200, 401, 401] },
    { scope: 'global', expected: [401, 401, 401] }
  ]
  for (const { scope, expected } of cases) {
    const { user, tokens } = await threeSessions(app)
    const response = await app.inject({ method: 'POST', url: '/logout', query: scope === undefined ? {} : { scope }, headers: user.auth })
    t.equal(response.statusCode, 204, `scope ${scope}`)
    t.equal(response.body, '')
    t.same(await statuses(app, tokens), expected, `scope ${scope}: sessions after logout`)
  }
  t.equal((await profile(app, bystander.accessToken)).statusCode, 200, 'other users are untouched')
})

test('a revoked access token answers 401 token_revoked', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  await app.inject({ method: 'POST', url: '/logout', headers: user.auth })
  const response = await profile(app, user.accessToken)
  t.equal(response.statusCode, 401)
  t.same(response.json(), { statusCode: 401, error: 'Unauthorized', message: 'The session of this access token has ended', code: 'token_revoked' })
  t.equal(response.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')

  const again = await app.inject({ method: 'POST', url: '/logout', headers: user.auth })
  t.equal(again.statusCode, 401, 'logging out twice is refused like any revoked token')
  t.match(again.json(), { code: 'token_revoked' })
})

test('logout needs a token and a known scope', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const anonymous = await app.inject({ method: 'POST', url: '/logout' })
  t.equal(anonymous.statusCode, 401)
  t.match(anonymous.json(), { code: 'invalid_token' })
  t.equal(anonymous.headers['www-authenticate'], 'Bearer realm="todo"')

  const badScope = await app.inject({ method: 'POST', url: '/logout?scope=everyone', headers: user.auth })
  t.equal(badScope.statusCode, 400)
  t.match(badScope.json(), { code: 'validation_error' })
  t.equal((await profile(app, user.accessToken)).statusCode, 200, 'a refused logout ends nothing')
})

test('PUT /profile/password changes the password and ends every other session', async (t) => {
  const app = await build(t)
  const { user, tokens } = await threeSessions(app)
  const newPassword = 'a brand new passphrase'

  const response = await app.inject({ method: 'PUT', url: '/profile/password', headers: user.auth, payload: { currentPassword: user.password, newPassword } })
  t.equal(response.statusCode, 204)
  t.equal(response.body, '')
  t.same(await statuses(app, tokens), [200, 401, 401], 'this session lives, the others end')

  const oldLogin = await logIn(app, user.username, user.password)
  t.equal(oldLogin.statusCode, 401)
  t.match(oldLogin.json(), { code: 'invalid_credentials' })
  t.equal((await logIn(app, user.username, newPassword)).statusCode, 200)
})

test('PUT /profile/password refuses a wrong current password, a weak or invalid new one', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app, 'passwordowner')
  const change = (payload: object) => app.inject({ method: 'PUT', url: '/profile/password', headers: user.auth, payload })

  const wrong = await change({ currentPassword: 'not the password', newPassword: 'another good passphrase' })
  t.equal(wrong.statusCode, 401)
  t.match(wrong.json(), { statusCode: 401, code: 'invalid_credentials' })
  t.equal(wrong.headers['www-authenticate'], 'Bearer realm="todo"', 'a wrong password is not a refused token')

  const sameAsUsername = await change({ currentPassword: user.password, newPassword: 'PasswordOwner' })
  t.equal(sameAsUsername.statusCode, 400)
  t.match(sameAsUsername.json(), { statusCode: 400, code: 'weak_password' })

  for (const payload of [{ currentPassword: user.password }, { currentPassword: user.password, newPassword: 'short' }, { currentPassword: user.password, newPassword: 'x'.repeat(129) }, { currentPassword: user.password, newPassword: 'long enough pass', extra: true }]) {
    const response = await change(payload)
    t.equal(response.statusCode, 400)
    t.match(response.json(), { code: 'validation_error' })
  }
  t.equal((await logIn(app, user.username, user.password)).statusCode, 200, 'the password is unchanged after refusals')
})
