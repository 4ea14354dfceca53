// Verified access tokens are remembered (lib/verified-tokens.ts); the memo must never outlive the token or its session.
import { test } from 'tap'
import { build, loggedInUser } from '../helper.js'

test('a token used before answers token_expired once it expires, though it was remembered', async (t) => {
  const app = await build(t, { accessTokenTtl: 60 })
  const user = await loggedInUser(app)
  const before = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.equal(before.statusCode, 200, 'verified, and so remembered')
  t.equal(before.json().id, user.id)

  const realNow = Date.now
  Date.now = () => realNow() + 66_000
  t.teardown(() => { Date.now = realNow })
  const after = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  Date.now = realNow
  t.equal(after.statusCode, 401)
  t.match(after.json(), { statusCode: 401, error: 'Unauthorized', code: 'token_expired' })
})

test('a remembered token is refused at once when its session ends', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  t.equal((await app.inject({ method: 'GET', url: '/todo', headers: user.auth })).statusCode, 200, 'verified, and so remembered')
  const logout = await app.inject({ method: 'POST', url: '/logout', headers: user.auth })
  t.equal(logout.statusCode, 204)
  const after = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  t.equal(after.statusCode, 401)
  t.match(after.json(), { statusCode: 401, code: 'token_revoked' })
})
