// The keys that sign and verify access tokens: HS256 with JWT_SECRET, else Ed25519 pairs kept in the database.
import fp from 'fastify-plugin'
import { generateEd25519KeyPair, secretKid, toPublicJwk, type PublicJwk } from '../lib/auth/key-material.js'

export type SigningAlgorithm = 'EdDSA' | 'HS256'

export interface SigningKey {
  kid: string
  signingKey: string
  verificationKey: string
}

export interface SigningKeys {
  algorithm: SigningAlgorithm
  current: () => Promise<SigningKey>
  verificationKeyFor: (kid: string) => Promise<string | undefined>
  publicJwks: () => Promise<PublicJwk[]>
}

declare module 'fastify' {
  interface FastifyInstance {
    signingKeys: SigningKeys
  }
}

// A rotation (by `npm run keys:rotate` or another instance) is seen by the next sign; verification looks
// again for an unknown kid, at most once a second so that made-up kids cannot flood the database.
const JWKS_RELOAD_AFTER_MS = 60_000
const UNKNOWN_KID_RELOAD_AFTER_MS = 1_000

function secretKeys (secret: string): SigningKeys {
  const key: SigningKey = { kid: secretKid(secret), signingKey: secret, verificationKey: secret }
  return {
    algorithm: 'HS256',
    current: async () => key,
    verificationKeyFor: async (kid) => kid === key.kid ? secret : undefined,
    publicJwks: async () => []
  }
}

export default fp(async function signingKeys (fastify) {
  const { jwtSecret, accessTokenTtl } = fastify.config
  if (jwtSecret !== undefined) {
    fastify.decorate('signingKeys', secretKeys(jwtSecret))
    return
  }

  const store = fastify.signingKeyStore
  let keys: Array<SigningKey & { jwk: PublicJwk }> = []
  let loadedAt = 0

  async function load (): Promise<void> {
    const retiredSince = new Date(Date.now() - accessTokenTtl * 1000).toISOString()
    const rows = await store.listUsable(retiredSince)
    keys = rows.map((row) => ({ kid: row.kid, signingKey: row.private_key, verificationKey: row.public_key, jwk: toPublicJwk(row.public_key, row.kid) }))
    loadedAt = Date.now()
  }

  async function loadIfOlderThan (ageMs: number): Promise<void> {
    if (Date.now() - loadedAt >= ageMs) await load()
  }

  await load()
  if (keys.length === 0) {
    await store.addCurrent(generateEd25519KeyPair())
    await load()
    fastify.log.info({ kid: keys[0]?.kid }, 'generated the first Ed25519 signing key')
  }

  fastify.decorate<SigningKeys>('signingKeys', {
    algorithm: 'EdDSA',
    // Rebuilds the key set only when another key has become current, not on every login.
    async current () {
      if (await store.currentKid() !== keys[0]?.kid) await load()
      return keys[0] as SigningKey
    },
    async verificationKeyFor (kid) {
      let key = keys.find((candidate) => candidate.kid === kid)
      if (key === undefined) {
        await loadIfOlderThan(UNKNOWN_KID_RELOAD_AFTER_MS)
        key = keys.find((candidate) => candidate.kid === kid)
      }
      return key?.verificationKey
    },
    async publicJwks () {
      await loadIfOlderThan(JWKS_RELOAD_AFTER_MS)
      return keys.map((key) => key.jwk)
    }
  })
}, { name: 'signing-keys', dependencies: ['config', 'signing-keys-repository'] })
