// Key rotation: a new key signs from the next login on; tokens of the previous key work until they expire.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { generateEd25519KeyPair } from '../../lib/auth/key-material.js'
import { build, freshDatabaseUrl, logIn, loggedInUser } from '../helper.js'

const kidOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid

async function jwksKids (app: FastifyInstance): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
  return response.json().keys.map((key: { kid: string }) => key.kid)
}

test('rotation keeps old tokens valid, signs new ones with the new kid, and publishes both', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const app = await build(t, { databaseUrl })
  const user = await loggedInUser(app)
  const oldKid = kidOf(user.accessToken)

  // What `npm run keys:rotate` does, against the same database.
  const rotated = generateEd25519KeyPair()
  await app.signingKeyStore.addCurrent(rotated)

  const fresh = await logIn(app, user.username, user.password)
  t.equal(fresh.statusCode, 200)
  t.equal(kidOf(fresh.json().access_token), rotated.kid, 'a new login uses the new kid at once')

  const oldTokenProfile = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.equal(oldTokenProfile.statusCode, 200, 'a token of the previous key keeps working')
  t.equal(oldTokenProfile.json().id, user.id)

  // A second instance on the same database verifies tokens of both keys and publishes both.
  const other = await build(t, { databaseUrl })
  t.equal((await other.inject({ method: 'GET', url: '/profile', headers: user.auth })).statusCode, 200)
  t.equal((await other.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${fresh.json().access_token}` } })).statusCode, 200)
  t.same((await jwksKids(other)).sort(), [oldKid, rotated.kid].sort())
})

test('a retired key stops verifying once its tokens have all expired', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const app = await build(t, { databaseUrl, accessTokenTtl: 60 })
  const user = await loggedInUser(app)
  const oldKid = kidOf(user.accessToken)
  await app.signingKeyStore.addCurrent(generateEd25519KeyPair())
  await app.db.updateTable('signing_keys').set({ retired_at: new Date(Date.now() - 61_000).toISOString() }).where('kid', '=', oldKid).execute()

  const later = await build(t, { databaseUrl, accessTokenTtl: 60 })
  t.notOk((await jwksKids(later)).includes(oldKid), 'JWKS no longer publishes it')
  const response = await later.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.equal(response.statusCode, 401)
  t.match(response.json(), { code: 'invalid_token' })
})
