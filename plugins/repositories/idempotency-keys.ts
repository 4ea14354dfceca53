// SQL for POST /todo's Idempotency-Key: a key is claimed by inserting it (the primary key decides races, on every
// instance), completed with the answer in the same transaction as the task, and forgotten after 24 hours.
import fp from 'fastify-plugin'
import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../lib/database/database-types.js'

export const IDEMPOTENCY_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000
// A claim this old without an answer belongs to a request that died (a crash, a lost connection): it may be taken over.
const ABANDONED_AFTER_MS = 60 * 1000
const PURGE_EVERY_MS = 60 * 1000

export interface StoredAnswer {
  status: number
  body: string
  location: string | null
  etag: string | null
}

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay', answer: StoredAnswer }
  | { outcome: 'reused' }
  | { outcome: 'in_progress' }

declare module 'fastify' {
  interface FastifyInstance {
    idempotencyKeys: ReturnType<typeof createIdempotencyKeysRepository>
  }
}

function createIdempotencyKeysRepository (db: Kysely<Database>) {
  let lastPurge = 0

  async function purgeExpired (now: number): Promise<void> {
    if (now - lastPurge < PURGE_EVERY_MS) return
    lastPurge = now
    await db.deleteFrom('idempotency_keys').where('created_at', '<', new Date(now - IDEMPOTENCY_KEY_LIFETIME_MS).toISOString()).execute()
  }

  async function insert (userId: string, key: string, requestHash: string, createdAt: string): Promise<boolean> {
    const result = await db.insertInto('idempotency_keys')
      .values({ user_id: userId, key, request_hash: requestHash, created_at: createdAt, response_status: null, response_body: null, response_location: null, response_etag: null })
      .onConflict((conflict) => conflict.columns(['user_id', 'key']).doNothing())
      .executeTakeFirst()
    return result.numInsertedOrUpdatedRows === 1n
  }

  // Replaces an expired or abandoned claim, unless another request replaced it first.
  async function takeOver (userId: string, key: string, requestHash: string, seenCreatedAt: string, now: string): Promise<boolean> {
    const result = await db.updateTable('idempotency_keys')
      .set({ request_hash: requestHash, created_at: now, response_status: null, response_body: null, response_location: null, response_etag: null })
      .where('user_id', '=', userId).where('key', '=', key).where('created_at', '=', seenCreatedAt)
      .executeTakeFirst()
    return result.numUpdatedRows === 1n
  }

  return {
    async claim (userId: string, key: string, requestHash: string): Promise<Claim> {
      const now = Date.now()
      await purgeExpired(now)
      const createdAt = new Date(now).toISOString()
      if (await insert(userId, key, requestHash, createdAt)) return { outcome: 'claimed' }
      const row = await db.selectFrom('idempotency_keys').selectAll()
        .where('user_id', '=', userId).where('key', '=', key).executeTakeFirst()
      // Deleted between our insert and this read (purged, or released by a failed request): try once more.
      if (row === undefined) return await insert(userId, key, requestHash, createdAt) ? { outcome: 'claimed' } : { outcome: 'in_progress' }
      const age = now - Date.parse(row.created_at)
      if (age >= IDEMPOTENCY_KEY_LIFETIME_MS) {
        return await takeOver(userId, key, requestHash, row.created_at, createdAt) ? { outcome: 'claimed' } : { outcome: 'in_progress' }
      }
      if (row.request_hash !== requestHash) return { outcome: 'reused' }
      if (row.response_status === null) {
        if (age < ABANDONED_AFTER_MS) return { outcome: 'in_progress' }
        return await takeOver(userId, key, requestHash, row.created_at, createdAt) ? { outcome: 'claimed' } : { outcome: 'in_progress' }
      }
      return { outcome: 'replay', answer: { status: row.response_status, body: row.response_body ?? '', location: row.response_location, etag: row.response_etag } }
    },

    // In the transaction that does the work, so the answer is stored exactly when the work is.
    async complete (trx: Transaction<Database>, userId: string, key: string, answer: StoredAnswer): Promise<void> {
      await trx.updateTable('idempotency_keys')
        .set({ response_status: answer.status, response_body: answer.body, response_location: answer.location, response_etag: answer.etag })
        .where('user_id', '=', userId).where('key', '=', key)
        .execute()
    },

    // A claimed request that failed: the key is free again for a retry.
    async release (userId: string, key: string): Promise<void> {
      await db.deleteFrom('idempotency_keys')
        .where('user_id', '=', userId).where('key', '=', key).where('response_status', 'is', null)
        .execute()
    }
  }
}

export default fp(async function idempotencyKeysRepository (fastify) {
  fastify.decorate('idempotencyKeys', createIdempotencyKeysRepository(fastify.db))
}, { name: 'idempotency-keys-repository', dependencies: ['db'] })
