// POST /refresh: rotation, reuse detection that ends the token family, expiry, and concurrent use.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, logIn, loggedInUser, registerUser } from '../helper.js'

async function refresh (app: FastifyInstance, refreshToken: string) {
  return await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: refreshToken } })
}

async function profileStatus (app: FastifyInstance, accessToken: string): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${accessToken}` } })).statusCode
}

test('a refresh token buys a new pair and is spent', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)

  const first = await refresh(app, user.refreshToken)
  t.equal(first.statusCode, 200)
  const pair = first.json()
  t.match(pair, { access_token: String, token_type: 'Bearer', expires_in: 900, refresh_token: String })
  t.same(Object.keys(pair).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
  t.equal(first.headers['cache-control'], 'no-store')
  t.not(pair.refresh_token, user.refreshToken, 'the refresh token rotates')
  t.not(pair.access_token, user.accessToken)
  t.equal(await profileStatus(app, pair.access_token), 200, 'the new access token works')

  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString())
  t.equal(claimsOf(pair.access_token).sid, claimsOf(user.accessToken).sid, 'the session stays the same')

  const second = await refresh(app, pair.refresh_token)
  t.equal(second.statusCode, 200, 'the successor works once too')
})

test('a spent refresh token is reuse: 401 refresh_token_reused and the whole session ends', async (t) => {
  const app = await build(t)
  const victim = await loggedInUser(app)
  const otherSession = await logIn(app, victim.username, victim.password)

  const legitimate = (await refresh(app, victim.refreshToken)).json()
  const replay = await refresh(app, victim.refreshToken)
  t.equal(replay.statusCode, 401)
  t.match(replay.json(), { statusCode: 401, error: 'Unauthorized', code: 'refresh_token_reused' })

  t.equal(await profileStatus(app, legitimate.access_token), 401, 'the access token rotated after the theft dies')
  const revoked = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${legitimate.access_token}` } })
  t.match(revoked.json(), { code: 'token_revoked' })
  const successor = await refresh(app, legitimate.refresh_token)
  t.equal(successor.statusCode, 401, 'the refresh token rotated after the theft dies')
  t.match(successor.json(), { code: 'token_revoked' })

  t.equal(await profileStatus(app, otherSession.json().access_token), 200, 'other sessions of the user live on')
})

test('two concurrent refreshes with one token: at most one succeeds', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const results = await Promise.all([refresh(app, user.refreshToken), refresh(app, user.refreshToken), refresh(app, user.refreshToken)])
  const statuses = results.map((response) => response.statusCode)
  t.equal(statuses.filter((status) => status === 200).length, 1, `one 200 among ${statuses.join(', ')}`)
  for (const response of results.filter((result) => result.statusCode !== 200)) {
    t.equal(response.statusCode, 401)
    t.match(response.json(), { code: /^(refresh_token_reused|token_revoked)$/ })
  }
})

test('refresh tokens are refused when unknown, malformed, expired, revoked or their user is disabled', async (t) => {
  const app = await build(t)

  const unknown = await refresh(app, 'a'.repeat(43))
  t.equal(unknown.statusCode, 401)
  t.match(unknown.json(), { code: 'invalid_token' })

  for (const payload of [{}, { refresh_token: '' }, { refresh_token: 'x'.repeat(513) }, { refresh_token: 5 }, { refresh_token: 'a', extra: 1 }]) {
    const response = await app.inject({ method: 'POST', url: '/refresh', payload })
    t.equal(response.statusCode, 400, JSON.stringify(payload).slice(0, 40))
    t.match(response.json(), { code: 'validation_error' })
  }

  const expiring = await loggedInUser(app)
  await app.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).execute()
  const expired = await refresh(app, expiring.refreshToken)
  t.equal(expired.statusCode, 401)
  t.match(expired.json(), { code: 'token_expired' })

  const loggedOut = await loggedInUser(app)
  t.equal((await app.inject({ method: 'POST', url: '/logout', headers: loggedOut.auth })).statusCode, 204)
  const afterLogout = await refresh(app, loggedOut.refreshToken)
  t.equal(afterLogout.statusCode, 401)
  t.match(afterLogout.json(), { code: 'token_revoked' })

  const disabled = await loggedInUser(app)
  await app.db.updateTable('users').set({ disabled: 1 }).where('id', '=', disabled.id).execute()
  const refused = await refresh(app, disabled.refreshToken)
  t.equal(refused.statusCode, 403)
  t.match(refused.json(), { code: 'account_disabled' })
})

test('REFRESH_TOKEN_TTL is an absolute lifetime from login', async (t) => {
  const app = await build(t, { refreshTokenTtl: 3600 })
  const user = await registerUser(app)
  const before = Date.now()
  await logIn(app, user.username, user.password)
  const session = await app.db.selectFrom('sessions').select('expires_at').executeTakeFirstOrThrow()
  const lifetime = Date.parse(session.expires_at) - before
  t.ok(lifetime > 3590_000 && lifetime <= 3601_000, `expires ${lifetime} ms after login`)
})
