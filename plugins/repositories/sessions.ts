// SQL for login sessions and their refresh tokens (stored only as SHA-256 hashes).
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database, Role } from '../../lib/database-types.js'
import { nowIso } from '../../lib/dates.js'

export interface NewSession {
  id: string
  userId: string
  expiresAt: string
  refreshTokenHash: string
}

export interface SessionOwner {
  sessionId: string
  revokedAt: string | null
  expiresAt: string
  userId: string
  username: string
  name: string
  role: Role
  disabled: number
  createdAt: string
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: ReturnType<typeof createSessionsRepository>
  }
}

function createSessionsRepository (db: Kysely<Database>) {
  return {
    async create (session: NewSession): Promise<void> {
      const now = nowIso()
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('sessions')
          .values({ id: session.id, user_id: session.userId, created_at: now, expires_at: session.expiresAt, revoked_at: null })
          .execute()
        await trx.insertInto('refresh_tokens')
          .values({ token_hash: session.refreshTokenHash, session_id: session.id, created_at: now, used_at: null })
          .execute()
      })
    },

    // The session named by an access token, with the user it belongs to, as they are now.
    async findWithOwner (sessionId: string): Promise<SessionOwner | undefined> {
      return await db.selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as sessionId', 'sessions.revoked_at as revokedAt', 'sessions.expires_at as expiresAt',
          'users.id as userId', 'users.username', 'users.name', 'users.role', 'users.disabled', 'users.created_at as createdAt'
        ])
        .where('sessions.id', '=', sessionId)
        .executeTakeFirst()
    }
  }
}

export default fp(async function sessionsRepository (fastify) {
  fastify.decorate('sessions', createSessionsRepository(fastify.db))
}, { name: 'sessions-repository', dependencies: ['db'] })
