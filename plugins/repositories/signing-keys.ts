// SQL for the Ed25519 signing keys that every instance shares.
import fp from 'fastify-plugin'
import { sql, type Kysely, type Selectable } from 'kysely'
import type { Database, SigningKeysTable } from '../../lib/database/database-types.js'
import { nowIso } from '../../lib/dates.js'
import type { GeneratedKeyPair } from '../../lib/auth/key-material.js'

export type SigningKeyRow = Selectable<SigningKeysTable>

declare module 'fastify' {
  interface FastifyInstance {
    signingKeyStore: ReturnType<typeof createSigningKeysRepository>
  }
}

export function createSigningKeysRepository (db: Kysely<Database>) {
  return {
    // Keys still able to verify: current ones, and retired ones whose tokens may not have expired yet.
    async listUsable (retiredSince: string): Promise<SigningKeyRow[]> {
      return await db.selectFrom('signing_keys').selectAll()
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredSince)]))
        // The current key first whatever the clocks said when keys were made; then newest first.
        .orderBy(sql`retired_at is null`, 'desc')
        .orderBy('created_at', 'desc')
        .execute()
    },

    // The kid of the key that signs now: one row of a tiny table, cheap enough to ask before every signature.
    async currentKid (): Promise<string | undefined> {
      const row = await db.selectFrom('signing_keys').select('kid')
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row?.kid
    },

    // Adds a key and retires every other current key, so the new one signs from now on.
    async addCurrent (key: GeneratedKeyPair): Promise<void> {
      const now = nowIso()
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute()
        await trx.insertInto('signing_keys')
          .values({ kid: key.kid, algorithm: 'EdDSA', public_key: key.publicKey, private_key: key.privateKey, created_at: now, retired_at: null })
          .execute()
      })
    }
  }
}

export default fp(async function signingKeysRepository (fastify) {
  fastify.decorate('signingKeyStore', createSigningKeysRepository(fastify.db))
}, { name: 'signing-keys-repository', dependencies: ['db'] })
