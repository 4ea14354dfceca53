// Each test is a known attack on JWT handling; every one must be answered 401.
import { createHmac, createPrivateKey, sign as signBytes } from 'node:crypto'
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { generateEd25519KeyPair } from '../../lib/auth/key-material.js'
import { build, loggedInUser, type LoggedInUser } from '../helper.js'

const SECRET = 's'.repeat(40)

type Json = Record<string, unknown> | unknown[]

const encode = (value: Json | string): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

function signed (header: Json, payload: Json, signature: (input: string) => string): string {
  const input = `${encode(header)}.${encode(payload)}`
  return `${input}.${signature(input)}`
}

const hmac = (algorithm: 'sha256' | 'sha512', key: string) => (input: string) =>
  createHmac(algorithm, key).update(input).digest('base64url')

const ed25519 = (privateKeyPem: string) => (input: string) =>
  signBytes(null, Buffer.from(input), createPrivateKey(privateKeyPem)).toString('base64url')

function decodePart (token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString())
}

async function profileWith (app: FastifyInstance, token: string) {
  return await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${token}` } })
}

function assertRefused (t: Test, response: Awaited<ReturnType<typeof profileWith>>, code = 'invalid_token') {
  t.equal(response.statusCode, 401)
  t.match(response.json(), { statusCode: 401, error: 'Unauthorized', code })
  t.equal(response.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')
}

// Claims exactly like a real token of `user`, to be altered one at a time.
function claimsOf (user: LoggedInUser): Record<string, unknown> {
  return decodePart(user.accessToken, 1)
}

test('attacks on Ed25519 (default) tokens', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const key = await app.signingKeys.current()
  const realHeader = decodePart(user.accessToken, 0)
  const ours = ed25519(key.signingKey)
  const now = Math.floor(Date.now() / 1000)

  t.equal((await profileWith(app, user.accessToken)).statusCode, 200, 'the untampered token works')
  t.equal(signed(realHeader, claimsOf(user), ours), user.accessToken, 'the test signer reproduces real tokens')

  const attacks: Record<string, string> = {}
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    attacks[`alg ${alg}, empty signature`] = signed({ ...realHeader, alg }, claimsOf(user), () => '')
  }
  attacks['HS256 keyed with the public key PEM (algorithm confusion)'] = signed({ ...realHeader, alg: 'HS256' }, claimsOf(user), hmac('sha256', key.verificationKey))
  const jwks = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json()
  attacks['HS256 keyed with the public JWK'] = signed({ ...realHeader, alg: 'HS256' }, claimsOf(user), hmac('sha256', JSON.stringify(jwks.keys[0])))
  attacks['HS256 with an empty key'] = signed({ ...realHeader, alg: 'HS256' }, claimsOf(user), hmac('sha256', ''))
  const [head, , signature] = user.accessToken.split('.')
  attacks['payload changed under the old signature'] = `${head}.${encode({ ...claimsOf(user), sub: 'someone-else' })}.${signature}`
  attacks['signature stripped'] = `${head}.${user.accessToken.split('.')[1]}.`
  attacks['signature of another key'] = signed(realHeader, claimsOf(user), ed25519(generateEd25519KeyPair().privateKey))
  const { exp: _exp, ...withoutExp } = claimsOf(user)
  attacks['no exp'] = signed(realHeader, withoutExp, ours)
  attacks['nbf in the future'] = signed(realHeader, { ...claimsOf(user), nbf: now + 3600 }, ours)
  attacks['wrong iss'] = signed(realHeader, { ...claimsOf(user), iss: 'someone-else' }, ours)
  attacks['iss as an array'] = signed(realHeader, { ...claimsOf(user), iss: ['todo-auth-service'] }, ours)
  attacks['wrong aud'] = signed(realHeader, { ...claimsOf(user), aud: 'another-api' }, ours)
  attacks['unknown sub'] = signed(realHeader, { ...claimsOf(user), sub: '00000000-0000-4000-8000-000000000000' }, ours)
  attacks['unknown sid'] = signed(realHeader, { ...claimsOf(user), sid: '00000000-0000-4000-8000-000000000000' }, ours)
  const { jti: _jti, ...withoutJti } = claimsOf(user)
  attacks['no jti'] = signed(realHeader, withoutJti, ours)
  attacks['typ JWT instead of at+jwt'] = signed({ ...realHeader, typ: 'JWT' }, claimsOf(user), ours)
  attacks['no typ'] = signed({ alg: 'EdDSA', kid: realHeader.kid }, claimsOf(user), ours)
  const stranger = generateEd25519KeyPair()
  attacks['kid pointing outside our keys'] = signed({ ...realHeader, kid: stranger.kid }, claimsOf(user), ed25519(stranger.privateKey))
  attacks['kid that is a path'] = signed({ ...realHeader, kid: '../../../dev/null' }, claimsOf(user), hmac('sha256', ''))
  attacks['jku header'] = signed({ ...realHeader, jku: 'https://attacker.example/jwks.json' }, claimsOf(user), ours)
  attacks['crit header'] = signed({ ...realHeader, crit: ['exp'] }, claimsOf(user), ours)
  attacks['embedded jwk header'] = signed({ ...realHeader, kid: stranger.kid, jwk: jwks.keys[0] }, claimsOf(user), ed25519(stranger.privateKey))
  attacks['JSON array as payload'] = signed(realHeader, [claimsOf(user)], ours)
  attacks['four segments'] = `${user.accessToken}.${signature}`
  attacks['a 20 kB token'] = signed(realHeader, { ...claimsOf(user), padding: 'x'.repeat(20_000) }, ours)
  attacks['the refresh token as a bearer token'] = user.refreshToken

  for (const [name, token] of Object.entries(attacks)) {
    t.test(name, async (t) => assertRefused(t, await profileWith(app, token)))
  }

  t.test('expired', async (t) => {
    const expired = signed(realHeader, { ...claimsOf(user), iat: now - 7200, exp: now - 3600 }, ours)
    assertRefused(t, await profileWith(app, expired), 'token_expired')
  })

  t.test('the access token as a refresh token', async (t) => {
    const response = await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: user.accessToken } })
    t.equal(response.statusCode, 401)
    t.match(response.json(), { statusCode: 401, code: 'invalid_token' })
  })
})

test('attacks on HS256 (JWT_SECRET) tokens', async (t) => {
  const app = await build(t, { jwtSecret: SECRET })
  const user = await loggedInUser(app)
  const realHeader = decodePart(user.accessToken, 0)
  t.same(realHeader, { alg: 'HS256', typ: 'at+jwt', kid: realHeader.kid })
  t.equal(signed(realHeader, claimsOf(user), hmac('sha256', SECRET)), user.accessToken, 'the test signer reproduces real tokens')

  const attacks: Record<string, string> = {
    'wrong secret': signed(realHeader, claimsOf(user), hmac('sha256', 'w'.repeat(40))),
    'HS512 when HS256 is configured': signed({ ...realHeader, alg: 'HS512' }, claimsOf(user), hmac('sha512', SECRET)),
    'HS256 with an empty key': signed(realHeader, claimsOf(user), hmac('sha256', '')),
    'alg none': signed({ ...realHeader, alg: 'none' }, claimsOf(user), () => ''),
    'EdDSA token from a key of its own': signed({ ...realHeader, alg: 'EdDSA' }, claimsOf(user), ed25519(generateEd25519KeyPair().privateKey))
  }
  for (const [name, token] of Object.entries(attacks)) {
    t.test(name, async (t) => assertRefused(t, await profileWith(app, token)))
  }
})
