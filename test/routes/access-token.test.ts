import { createHmac, randomUUID } from 'node:crypto'
import { test } from 'tap'
import { createLocalJWKSet, jwtVerify } from 'jose'
import type { FastifyInstance } from 'fastify'
import { build, loggedInUser } from '../helper.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const ISSUER = 'todo-auth-service'
const AUDIENCE = 'todo-api'

function decodeSegment (token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'))
}

function encodeSegment (value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

async function profileStatus (app: FastifyInstance, token: string): Promise<{ statusCode: number, code: unknown }> {
  const response = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${token}` } })
  return { statusCode: response.statusCode, code: response.json().code }
}

test('the access token is an RFC 9068 style EdDSA JWT: header and claims', async (t) => {
  const app = await build(t)
  const before = Math.floor(Date.now() / 1000)
  const user = await loggedInUser(app)
  const after = Math.ceil(Date.now() / 1000)

  const header = decodeSegment(user.accessToken, 0)
  t.same(Object.keys(header).sort(), ['alg', 'kid', 'typ'], 'header: exactly alg, typ, kid')
  t.match(header, { alg: 'EdDSA', typ: 'at+jwt', kid: /\S/ })

  const claims = decodeSegment(user.accessToken, 1)
  t.same(Object.keys(claims).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'], 'claims: exactly the RFC 9068 set and sid')
  t.match(claims, { iss: ISSUER, aud: AUDIENCE, sub: user.id, sid: UUID, jti: UUID })
  const iat = claims.iat as number
  t.ok(Number.isInteger(iat) && iat >= before && iat <= after, 'iat is the issuing second')
  t.equal(claims.exp, iat + 900, 'exp is iat + ACCESS_TOKEN_TTL')

  const session = await app.db.selectFrom('sessions').select(['id', 'user_id']).where('id', '=', claims.sid as string).executeTakeFirst()
  t.same(session, { id: claims.sid, user_id: user.id }, 'sid names the user\'s new session')
})

test('every access token has its own jti', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const again = await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: user.password } })
  t.equal(again.statusCode, 200)
  t.not(decodeSegment(again.json().access_token, 1).jti, decodeSegment(user.accessToken, 1).jti)
})

test('the access token verifies with jose against the published JWKS', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const jwksResponse = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(jwksResponse.statusCode, 200)
  const jwks = jwksResponse.json()
  for (const key of jwks.keys) {
    t.match(key, { kty: 'OKP', crv: 'Ed25519' })
    t.notOk('d' in key, 'no private member d')
  }
  t.ok(jwks.keys.some((key: { kid: string }) => key.kid === decodeSegment(user.accessToken, 0).kid), 'the token\'s kid is published')

  const { payload, protectedHeader } = await jwtVerify(user.accessToken, createLocalJWKSet(jwks), {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: 'at+jwt',
    algorithms: ['EdDSA'],
    requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp']
  })
  t.match(protectedHeader, { alg: 'EdDSA', typ: 'at+jwt', kid: decodeSegment(user.accessToken, 0).kid })
  t.match(payload, { sub: user.id, iss: ISSUER, aud: AUDIENCE })

  // The same JWKS refuses a token whose payload was changed.
  const [header, , signature] = user.accessToken.split('.')
  const forged = `${header}.${encodeSegment({ ...payload, sub: randomUUID() })}.${signature}`
  await t.rejects(jwtVerify(forged, createLocalJWKSet(jwks), { issuer: ISSUER, audience: AUDIENCE }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' })
})

test('an HS256 token made with the public key as HMAC secret is refused (algorithm confusion)', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const { kid } = await app.signingKeys.current()
  const publicKeyPem = await app.signingKeys.verificationKeyFor(kid)
  t.type(publicKeyPem, 'string')
  const header = encodeSegment({ alg: 'HS256', typ: 'at+jwt', kid })
  const payload = encodeSegment(decodeSegment(user.accessToken, 1))
  const signature = createHmac('sha256', publicKeyPem ?? '').update(`${header}.${payload}`).digest('base64url')

  t.same(await profileStatus(app, `${header}.${payload}.${signature}`), { statusCode: 401, code: 'invalid_token' })
  t.same(await profileStatus(app, user.accessToken), { statusCode: 200, code: undefined }, 'the genuine token still works')
})

test('with JWT_SECRET the token is HS256, and tokens do not cross between the two modes', async (t) => {
  const secretApp = await build(t, { jwtSecret: 'x'.repeat(40) })
  // A separate instance with Ed25519 keys; in memory even on the PostgreSQL run, where only the key matters.
  const keyApp = await build(t, { databaseUrl: 'sqlite::memory:' })
  const secretUser = await loggedInUser(secretApp)
  const keyUser = await loggedInUser(keyApp)

  const header = decodeSegment(secretUser.accessToken, 0)
  t.match(header, { alg: 'HS256', typ: 'at+jwt', kid: /\S/ })
  t.match(decodeSegment(secretUser.accessToken, 1), { iss: ISSUER, aud: AUDIENCE, sub: secretUser.id, sid: UUID, jti: UUID })

  const profile = await secretApp.inject({ method: 'GET', url: '/profile', headers: secretUser.auth })
  t.equal(profile.statusCode, 200, 'the HS256 token works')
  t.match(profile.json(), { id: secretUser.id, username: secretUser.username, role: 'normal' })

  const jwks = await secretApp.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(jwks.statusCode, 200)
  t.same(jwks.json(), { keys: [] })

  t.same(await profileStatus(secretApp, keyUser.accessToken), { statusCode: 401, code: 'invalid_token' }, 'an Ed25519 token is refused by the HS256 app')
  t.same(await profileStatus(keyApp, secretUser.accessToken), { statusCode: 401, code: 'invalid_token' }, 'an HS256 token is refused by the Ed25519 app')

  // A token signed with another secret is refused too.
  const otherSecret = 'y'.repeat(40)
  const signingInput = `${secretUser.accessToken.split('.')[0]}.${secretUser.accessToken.split('.')[1]}`
  const otherSignature = createHmac('sha256', otherSecret).update(signingInput).digest('base64url')
  t.same(await profileStatus(secretApp, `${signingInput}.${otherSignature}`), { statusCode: 401, code: 'invalid_token' }, 'another secret')
})
