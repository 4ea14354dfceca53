// Password hashing with argon2id at OWASP's parameters; @node-rs/argon2 runs on the libuv thread pool.
import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2'

// Algorithm.Argon2id; the package's const enum cannot be read under isolatedModules.
const ARGON2ID = 2 as Algorithm

export const ARGON2_OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1 }

declare module 'fastify' {
  interface FastifyInstance {
    passwords: {
      hash: (password: string) => Promise<string>
      // Verifies against the user's hash, or a dummy one when there is no user, so both take the same time.
      verify: (passwordHash: string | undefined, password: string) => Promise<boolean>
      // True for hashes made with another algorithm or weaker parameters than today's.
      needsRehash: (passwordHash: string) => boolean
    }
  }
}

export default fp(async function passwords (fastify) {
  const dummyHash = await hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS)

  // PHC prefix of a hash made with ARGON2_OPTIONS; the salt and digest follow it.
  const currentPrefix = `$argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}$`

  fastify.decorate('passwords', {
    hash: (password: string) => hash(password, ARGON2_OPTIONS),
    needsRehash: (passwordHash: string) => !passwordHash.startsWith(currentPrefix),
    async verify (passwordHash: string | undefined, password: string) {
      try {
        const matches = await verify(passwordHash ?? dummyHash, password)
        return matches && passwordHash !== undefined
      } catch {
        return false
      }
    }
  })
}, { name: 'passwords' })
