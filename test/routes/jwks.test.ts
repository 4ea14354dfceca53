import { test } from 'tap'
import { build, freshDatabaseUrl, loggedInUser } from '../helper.js'

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

function kidOf (token: string): unknown {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')).kid
}

test('GET /.well-known/jwks.json publishes the public Ed25519 key that signs access tokens, and nothing private', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })

  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^application\/json; charset=utf-8/)
  t.match(response.headers['cache-control'], /\bpublic\b/, 'cacheable by anyone')
  const body = response.json()
  t.same(Object.keys(body), ['keys'])
  t.equal(body.keys.length, 1, 'one key on a fresh database')
  const [key] = body.keys
  t.same(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'], 'exactly the public members')
  t.match(key, { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: /^[A-Za-z0-9_-]{43}$/, kid: /\S/ })
  for (const member of PRIVATE_JWK_MEMBERS) t.notOk(member in key, `no private member "${member}"`)
  t.equal(key.kid, kidOf(user.accessToken), 'the kid of the issued token')
})

test('GET /.well-known/jwks.json needs no token and ignores a bad one', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json', headers: { authorization: 'Bearer garbage' } })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { keys: [{ kty: 'OKP', crv: 'Ed25519' }] })
})

test('instances sharing a database publish the same keys and accept each other\'s tokens', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { databaseUrl })
  const second = await build(t, { databaseUrl })

  const fromFirst = await first.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  const fromSecond = await second.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(fromFirst.statusCode, 200)
  t.equal(fromSecond.statusCode, 200)
  t.same(fromSecond.json(), fromFirst.json(), 'the same JWKS')
  t.equal(fromFirst.json().keys.length, 1, 'the second instance generated no key of its own')

  const user = await loggedInUser(first)
  const profile = await second.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.equal(profile.statusCode, 200)
  t.match(profile.json(), { id: user.id, username: user.username })
})

test('with JWT_SECRET (HS256) the JWKS is empty: a shared secret is never published', async (t) => {
  const app = await build(t, { jwtSecret: 'x'.repeat(40) })
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { keys: [] })
  t.notMatch(response.body, 'x'.repeat(40))
})
