// The signing-keys plugin with only what it needs: HS256 from JWT_SECRET, else Ed25519 keys shared through the database.
// Apps that share keys share a database from freshDatabaseUrl: a SQLite file, or a PostgreSQL schema on the suite's PostgreSQL run.
import { createHash, createPublicKey, sign, verify } from 'node:crypto'
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Config } from '../../lib/config.js'
import { generateEd25519KeyPair, secretKid } from '../../lib/auth/key-material.js'
import configPlugin from '../../plugins/config.js'
import db from '../../plugins/db.js'
import signingKeysRepository from '../../plugins/repositories/signing-keys.js'
import signingKeys from '../../plugins/signing-keys.js'
import { build, freshDatabaseUrl, testConfig } from '../helper.js'

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256'

async function buildSigningKeys (t: Test, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: testConfig(overrides) })
  await app.register(db)
  await app.register(signingKeysRepository)
  await app.register(signingKeys)
  await app.ready()
  return app
}

async function storedKeys (app: FastifyInstance) {
  return await app.db.selectFrom('signing_keys').select(['kid', 'algorithm', 'retired_at']).orderBy('created_at').execute()
}

function signsAndVerifies (signingKey: string, verificationKey: string): boolean {
  const data = Buffer.from('header.payload')
  return verify(null, data, verificationKey, sign(null, data, signingKey))
}

test('with JWT_SECRET: HS256, a stable kid, and an empty JWKS', async (t) => {
  const app = await buildSigningKeys(t, { jwtSecret: SECRET })
  const keys = app.signingKeys
  t.equal(keys.algorithm, 'HS256')
  t.same(await keys.current(), { kid: secretKid(SECRET), signingKey: SECRET, verificationKey: SECRET })
  t.match(secretKid(SECRET), /^hs256-[A-Za-z0-9_-]{16}$/, 'the kid does not reveal the secret')
  t.equal(await keys.verificationKeyFor(secretKid(SECRET)), SECRET)
  t.equal(await keys.verificationKeyFor('some-other-kid'), undefined)
  t.same(await keys.publicJwks(), [])
  t.same(await storedKeys(app), [], 'no Ed25519 key is generated')
})

test('with JWT_SECRET the JWKS endpoint answers an empty key set', async (t) => {
  const app = await build(t, { jwtSecret: SECRET })
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { keys: [] })
})

test('without JWT_SECRET: one Ed25519 key is generated on first start', async (t) => {
  const app = await buildSigningKeys(t, { databaseUrl: await freshDatabaseUrl(t) })
  const keys = app.signingKeys
  t.equal(keys.algorithm, 'EdDSA')

  const current = await keys.current()
  t.match(current.signingKey, /^-----BEGIN PRIVATE KEY-----/)
  t.match(current.verificationKey, /^-----BEGIN PUBLIC KEY-----/)
  t.equal(createPublicKey(current.verificationKey).asymmetricKeyType, 'ed25519')
  t.ok(signsAndVerifies(current.signingKey, current.verificationKey), 'the pair belongs together')
  t.same(await storedKeys(app), [{ kid: current.kid, algorithm: 'EdDSA', retired_at: null }])

  const jwks = await keys.publicJwks()
  t.equal(jwks.length, 1)
  const [jwk] = jwks
  t.same(jwk, { kty: 'OKP', crv: 'Ed25519', x: jwk?.x, kid: current.kid, alg: 'EdDSA', use: 'sig' }, 'a public JWK and nothing else')
  t.match(jwk?.x, /^[A-Za-z0-9_-]{43}$/)
  t.notOk(jwk !== undefined && 'd' in jwk, 'no private part')
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk?.crv, kty: jwk?.kty, x: jwk?.x })).digest('base64url')
  t.equal(current.kid, thumbprint, 'the kid is the RFC 7638 thumbprint')

  t.equal(await keys.verificationKeyFor(current.kid), current.verificationKey)
  t.equal(await keys.verificationKeyFor('unknown-kid'), undefined)
})

test('a second app on the same database reuses the key', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await buildSigningKeys(t, { databaseUrl })
  const firstKey = await first.signingKeys.current()
  await first.close()

  const second = await buildSigningKeys(t, { databaseUrl })
  const secondKey = await second.signingKeys.current()
  t.equal(secondKey.kid, firstKey.kid, 'same kid')
  t.equal(secondKey.verificationKey, firstKey.verificationKey, 'same key')
  t.same((await second.signingKeys.publicJwks()).map((jwk) => jwk.kid), [firstKey.kid])
  t.equal((await storedKeys(second)).length, 1, 'no second key was generated')
})

test('after a rotation the old kid still verifies and the JWKS lists both', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const running = await buildSigningKeys(t, { databaseUrl })
  const oldKey = await running.signingKeys.current()

  const rotated = generateEd25519KeyPair()
  await running.signingKeyStore.addCurrent(rotated)
  t.equal(await running.signingKeys.verificationKeyFor(oldKey.kid), oldKey.verificationKey, 'the running app still verifies the old kid')

  const fresh = await buildSigningKeys(t, { databaseUrl })
  t.equal(await fresh.signingKeys.verificationKeyFor(rotated.kid), rotated.publicKey, 'the new kid verifies')
  t.equal(await fresh.signingKeys.verificationKeyFor(oldKey.kid), oldKey.verificationKey, 'the old kid still verifies')
  t.equal((await fresh.signingKeys.current()).kid, rotated.kid, 'the new key signs')
  t.same((await fresh.signingKeys.publicJwks()).map((jwk) => jwk.kid), [rotated.kid, oldKey.kid], 'newest first')

  const rows = await storedKeys(fresh)
  t.match(rows, [{ kid: oldKey.kid, retired_at: String }, { kid: rotated.kid, retired_at: null }], 'the old key is retired, not deleted')
})

test('a key retired longer ago than the access-token TTL no longer verifies', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const running = await buildSigningKeys(t, { databaseUrl, accessTokenTtl: 900 })
  const oldKey = await running.signingKeys.current()
  const rotated = generateEd25519KeyPair()
  await running.signingKeyStore.addCurrent(rotated)
  const longAgo = new Date(Date.now() - 901 * 1000).toISOString()
  await running.db.updateTable('signing_keys').set({ retired_at: longAgo }).where('kid', '=', oldKey.kid).execute()

  const fresh = await buildSigningKeys(t, { databaseUrl, accessTokenTtl: 900 })
  t.equal(await fresh.signingKeys.verificationKeyFor(oldKey.kid), undefined, 'every token it signed has expired')
  t.equal(await fresh.signingKeys.verificationKeyFor(rotated.kid), rotated.publicKey)
  t.same((await fresh.signingKeys.publicJwks()).map((jwk) => jwk.kid), [rotated.kid])
})

test('the current key is the one not retired, whatever the clocks said', async (t) => {
  // A rotation run from a machine whose clock is behind gives the new key an earlier created_at.
  const databaseUrl = await freshDatabaseUrl(t)
  const running = await buildSigningKeys(t, { databaseUrl })
  const retired = await running.signingKeys.current()
  const rotated = generateEd25519KeyPair()
  await running.signingKeyStore.addCurrent(rotated)
  const retiredRow = await running.db.selectFrom('signing_keys').select('created_at').where('kid', '=', retired.kid).executeTakeFirstOrThrow()
  const earlier = new Date(Date.parse(retiredRow.created_at) - 2000).toISOString()
  await running.db.updateTable('signing_keys').set({ created_at: earlier }).where('kid', '=', rotated.kid).execute()

  const fresh = await buildSigningKeys(t, { databaseUrl })
  t.equal(await fresh.signingKeys.verificationKeyFor(retired.kid), retired.verificationKey, 'the retired key still verifies')
  t.equal((await fresh.signingKeys.current()).kid, rotated.kid, 'the unretired key signs')
})

test('the JWKS endpoint publishes the current Ed25519 key', async (t) => {
  const app = await build(t)
  const current = await app.signingKeys.current()
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['cache-control'], /public/)
  t.same(response.json(), { keys: await app.signingKeys.publicJwks() })
  t.match(response.json(), { keys: [{ kty: 'OKP', crv: 'Ed25519', kid: current.kid, alg: 'EdDSA', use: 'sig' }] })
})
