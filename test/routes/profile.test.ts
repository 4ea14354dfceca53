import { randomUUID } from 'node:crypto'
import { test, type Test } from 'tap'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { AccessTokenClaims } from '../../plugins/auth.js'
import { build, logIn, loggedInUser } from '../helper.js'

const NO_TOKEN_CHALLENGE = 'Bearer realm="todo"'
const REFUSED_TOKEN_CHALLENGE = 'Bearer realm="todo", error="invalid_token"'

function decodeSegment (token: string, index: number): unknown {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'))
}

function claimsOf (token: string): AccessTokenClaims {
  return decodeSegment(token, 1) as AccessTokenClaims
}

function encodeSegment (value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

async function getProfile (app: FastifyInstance, authorization?: string): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url: '/profile', headers: authorization === undefined ? {} : { authorization } })
}

function assertRefused (t: Test, response: LightMyRequestResponse, code: string, challenge: string, label: string): void {
  t.equal(response.statusCode, 401, `${label}: 401`)
  t.equal(response.headers['www-authenticate'], challenge, `${label}: WWW-Authenticate`)
  t.same(Object.keys(response.json()).sort(), ['code', 'error', 'message', 'statusCode'], `${label}: error shape`)
  t.match(response.json(), { statusCode: 401, error: 'Unauthorized', message: String, code }, `${label}: body`)
}

test('GET /profile answers 200 with the user the token belongs to, shaped like the register answer', async (t) => {
  const app = await build(t)
  const registered = await app.inject({ method: 'POST', url: '/register', payload: { username: 'profiled', password: 'profiled-password', name: 'Pro Filed' } })
  t.equal(registered.statusCode, 201)
  const login = await logIn(app, 'profiled', 'profiled-password')
  const response = await getProfile(app, `Bearer ${login.json().access_token}`)

  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)
  t.equal(response.headers['cache-control'], 'private, no-cache')
  t.same(Object.keys(response.json()).sort(), ['createdAt', 'id', 'name', 'role', 'username'])
  t.same(response.json(), registered.json())
  t.match(response.json(), { username: 'profiled', name: 'Pro Filed', role: 'normal' })

  // RFC 7235: the auth scheme is case-insensitive.
  const lowerCaseScheme = await getProfile(app, `bearer ${login.json().access_token}`)
  t.equal(lowerCaseScheme.statusCode, 200)
  t.same(lowerCaseScheme.json(), registered.json())
})

test('GET /profile without an Authorization header answers 401 invalid_token with the bare Bearer challenge', async (t) => {
  const app = await build(t)
  const response = await getProfile(app)
  assertRefused(t, response, 'invalid_token', NO_TOKEN_CHALLENGE, 'no header')
})

test('GET /profile refuses malformed, tampered and foreign tokens with 401 invalid_token', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const victim = await loggedInUser(app)
  const [header, payload, signature] = user.accessToken.split('.') as [string, string, string]

  // One character of the payload changed (to a different base64url character), signature kept.
  const middle = Math.floor(payload.length / 2)
  const flipped = payload[middle] === 'A' ? 'B' : 'A'
  const flippedPayload = payload.slice(0, middle) + flipped + payload.slice(middle + 1)
  // The payload rewritten to claim another user, signature kept.
  const claimsOfVictim = encodeSegment({ ...claimsOf(user.accessToken), sub: victim.id, sid: claimsOf(victim.accessToken).sid })
  const noneHeader = encodeSegment({ alg: 'none', typ: 'at+jwt', kid: (decodeSegment(user.accessToken, 0) as { kid: string }).kid })

  const cases: Array<[string, string]> = [
    ['garbage', 'Bearer garbage'],
    ['Basic scheme', 'Basic xyz'],
    ['Basic scheme carrying the token', `Basic ${user.accessToken}`],
    ['bare token without scheme', user.accessToken],
    ['empty Bearer', 'Bearer '],
    ['a payload character changed', `Bearer ${header}.${flippedPayload}.${signature}`],
    ['payload rewritten to another user', `Bearer ${header}.${claimsOfVictim}.${signature}`],
    ['signature stripped, trailing dot kept', `Bearer ${header}.${payload}.`],
    ['signature stripped with its dot', `Bearer ${header}.${payload}`],
    ['alg none', `Bearer ${noneHeader}.${payload}.`],
    ['signature of another token', `Bearer ${header}.${payload}.${victim.accessToken.split('.')[2] ?? ''}`],
    ['refresh token as access token', `Bearer ${user.refreshToken}`],
    ['oversized token', `Bearer ${header}.${payload}${'A'.repeat(5000)}.${signature}`]
  ]
  for (const [label, authorization] of cases) {
    assertRefused(t, await getProfile(app, authorization), 'invalid_token', REFUSED_TOKEN_CHALLENGE, label)
  }

  // The untouched token still works: the refusals above are about the changes, not the user.
  const intact = await getProfile(app, `Bearer ${user.accessToken}`)
  t.equal(intact.statusCode, 200)
  t.equal(intact.json().id, user.id)
})

test('GET /profile refuses a token signed by another server instance (a different Ed25519 key)', async (t) => {
  const app = await build(t)
  // Its own database, so its own key; in memory even on the PostgreSQL run, where only the key matters.
  const other = await build(t, { databaseUrl: 'sqlite::memory:' })
  const user = await loggedInUser(app)
  const otherUser = await loggedInUser(other)

  assertRefused(t, await getProfile(app, otherUser.auth.authorization), 'invalid_token', REFUSED_TOKEN_CHALLENGE, 'token issued by the other instance')

  // Even a token that names a real session of this app, and even this app's kid, is refused when the other key signed it.
  const ownKey = await app.signingKeys.current()
  const otherKey = await other.signingKeys.current()
  t.not(otherKey.kid, ownKey.kid, 'the two instances have different keys')
  const claims = { sub: user.id, sid: claimsOf(user.accessToken).sid, jti: randomUUID() }
  const withOtherKid = other.jwt.sign(claims, { key: otherKey.signingKey, kid: otherKey.kid })
  const withOwnKid = other.jwt.sign(claims, { key: otherKey.signingKey, kid: ownKey.kid })
  assertRefused(t, await getProfile(app, `Bearer ${withOtherKid}`), 'invalid_token', REFUSED_TOKEN_CHALLENGE, 'real session, other key and kid')
  assertRefused(t, await getProfile(app, `Bearer ${withOwnKid}`), 'invalid_token', REFUSED_TOKEN_CHALLENGE, 'real session, other key, our kid')

  // The same claims signed with this app's key are accepted, so only the key made the difference.
  const genuine = app.jwt.sign(claims, { key: ownKey.signingKey, kid: ownKey.kid })
  const accepted = await getProfile(app, `Bearer ${genuine}`)
  t.equal(accepted.statusCode, 200)
  t.equal(accepted.json().id, user.id)
})

test('GET /profile answers 401 token_expired for an expired access token', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const key = await app.signingKeys.current()
  // fast-jwt computes exp as iat + expiresIn (900 s) and honours an explicit iat, so this token expired 100 s ago.
  const iat = Math.floor(Date.now() / 1000) - 1000
  const claims = { sub: user.id, sid: claimsOf(user.accessToken).sid, jti: randomUUID(), iat }
  const expired = app.jwt.sign(claims, { key: key.signingKey, kid: key.kid })
  t.equal(claimsOf(expired).exp, iat + 900, 'the crafted token carries the intended exp')

  assertRefused(t, await getProfile(app, `Bearer ${expired}`), 'token_expired', REFUSED_TOKEN_CHALLENGE, 'expired token')
})

test('GET /profile answers 401 once the user is deleted, on the very next request', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const before = await getProfile(app, user.auth.authorization)
  t.equal(before.statusCode, 200)
  t.equal(before.json().id, user.id)

  await app.db.deleteFrom('users').where('id', '=', user.id).execute()

  assertRefused(t, await getProfile(app, user.auth.authorization), 'invalid_token', REFUSED_TOKEN_CHALLENGE, 'deleted user')
})
