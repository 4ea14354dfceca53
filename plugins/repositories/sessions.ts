// SQL for login sessions and their refresh tokens (stored only as SHA-256 hashes).
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { Database, Role } from '../../lib/database-types.js'
import { nowIso } from '../../lib/dates.js'
import { reusableQuery } from '../../lib/reusable-query.js'

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
  tasksVersion: number
}

export interface RefreshTokenRecord {
  sessionId: string
  usedAt: string | null
  sessionRevokedAt: string | null
  sessionExpiresAt: string
  userId: string
  disabled: number
}

export type LogoutScope = 'local' | 'others' | 'global'

declare module 'fastify' {
  interface FastifyInstance {
    sessions: ReturnType<typeof createSessionsRepository>
  }
}

function createSessionsRepository (db: Kysely<Database>) {
  async function revoke (sessionId: string): Promise<void> {
    await db.updateTable('sessions').set({ revoked_at: nowIso() })
      .where('id', '=', sessionId).where('revoked_at', 'is', null)
      .execute()
  }

  // Read on every authenticated request.
  const findWithOwner = reusableQuery(db, (sessionId: string) => db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId', 'sessions.revoked_at as revokedAt', 'sessions.expires_at as expiresAt',
      'users.id as userId', 'users.username', 'users.name', 'users.role', 'users.disabled', 'users.created_at as createdAt',
      'users.tasks_version as tasksVersion'
    ])
    .where('sessions.id', '=', sessionId))

  return {
    revoke,

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
      return (await findWithOwner(sessionId))[0]
    },

    async findRefreshToken (tokenHash: string): Promise<RefreshTokenRecord | undefined> {
      return await db.selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'refresh_tokens.session_id as sessionId', 'refresh_tokens.used_at as usedAt',
          'sessions.revoked_at as sessionRevokedAt', 'sessions.expires_at as sessionExpiresAt',
          'users.id as userId', 'users.disabled'
        ])
        .where('refresh_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst()
    },

    // Spends a refresh token and stores its successor; false when it was already spent (by a concurrent call too).
    async rotateRefreshToken (sessionId: string, spentHash: string, nextHash: string): Promise<boolean> {
      return await db.transaction().execute(async (trx) => {
        const now = nowIso()
        const spent = await trx.updateTable('refresh_tokens')
          .set({ used_at: now })
          .where('token_hash', '=', spentHash)
          .where('session_id', '=', sessionId)
          .where('used_at', 'is', null)
          .executeTakeFirst()
        if (spent.numUpdatedRows !== 1n) return false
        await trx.insertInto('refresh_tokens')
          .values({ token_hash: nextHash, session_id: sessionId, created_at: now, used_at: null })
          .execute()
        return true
      })
    },

    // local: this session; others: every other session of the user; global: all of them.
    async revokeForUser (userId: string, currentSessionId: string, scope: LogoutScope): Promise<void> {
      if (scope === 'local') return await revoke(currentSessionId)
      let query = db.updateTable('sessions').set({ revoked_at: nowIso() })
        .where('user_id', '=', userId).where('revoked_at', 'is', null)
      if (scope === 'others') query = query.where('id', '!=', currentSessionId)
      await query.execute()
    }
  }
}

export default fp(async function sessionsRepository (fastify) {
  fastify.decorate('sessions', createSessionsRepository(fastify.db))
}, { name: 'sessions-repository', dependencies: ['db'] })
