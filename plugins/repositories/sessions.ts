// SQL for login sessions and their refresh tokens (stored only as SHA-256 hashes).
import fp from 'fastify-plugin'
import { sql, type Kysely } from 'kysely'
import { isForeignKeyViolation, postgresPoolOf, sqliteConnectionOf } from '../../lib/database/database.js'
import type { Database, Role } from '../../lib/database/database-types.js'
import { batchedReads } from '../../lib/database/batched-reads.js'
import { nowIso } from '../../lib/dates.js'
import { readUntilCommit } from '../../lib/database/read-until-commit.js'
import { reusableQuery } from '../../lib/database/reusable-query.js'
import { sqliteCommitCounter, type CommitCounter } from '../../lib/database/sqlite-commits.js'

export interface NewSession {
  id: string
  userId: string
  // The user's credential_version read together with the password hash that was verified.
  credentialVersion: number
  expiresAt: string
  refreshTokenHash: string
}

export interface SessionOwner {
  sessionId: string
  revokedAt: string | null
  expiresAt: string
  sessionCredentialVersion: number
  credentialVersion: number
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
  sessionCredentialVersion: number
  credentialVersion: number
  userId: string
  disabled: number
}

// rotated: the successor is stored; reused: the token was already spent; gone: the session or its user no longer exists.
export type RotationOutcome = 'rotated' | 'reused' | 'gone'

export type LogoutScope = 'local' | 'others' | 'global'

declare module 'fastify' {
  interface FastifyInstance {
    sessions: ReturnType<typeof createSessionsRepository>
  }
}

type OwnerRead = (sessionId: string) => Promise<SessionOwner | undefined>

// Sessions kept in memory between commits (on SQLite): as many as the verified-token memo holds tokens.
const KEPT_SESSIONS = 10_000

// The session named by an access token with its owner, read on every authenticated request; on SQLite kept between
// commits.
function sessionOwners (db: Kysely<Database>, commits: CommitCounter | undefined): { read: OwnerRead, kept: (sessionId: string) => SessionOwner | undefined } {
  const withOwner = () => db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id as sessionId', 'sessions.revoked_at as revokedAt', 'sessions.expires_at as expiresAt',
      'sessions.credential_version as sessionCredentialVersion', 'users.credential_version as credentialVersion',
      'users.id as userId', 'users.username', 'users.name', 'users.role', 'users.disabled', 'users.created_at as createdAt',
      'users.tasks_version as tasksVersion'
    ])
  const readWithOwner = reusableQuery(db, (sessionId: string) => withOwner().where('sessions.id', '=', sessionId))
  const readOne = async (sessionId: string): Promise<SessionOwner | undefined> => (await readWithOwner(sessionId))[0]
  if (commits !== undefined) return readUntilCommit(commits, KEPT_SESSIONS, readOne)
  if (postgresPoolOf(db) === undefined) return { kept: () => undefined, read: readOne }
  // PostgreSQL is shared by instances that do not tell each other about commits: there it is read every time, the
  // sessions of one turn's requests in one query.
  const readMany = reusableQuery(db, (sessionIds: string[]) => withOwner().where(sql<boolean>`sessions.id = any(${sessionIds})`))
  return { kept: () => undefined, read: batchedReads(readMany, (owner) => owner.sessionId) }
}

function createSessionsRepository (db: Kysely<Database>, commits: CommitCounter | undefined) {
  async function revoke (sessionId: string): Promise<void> {
    await db.updateTable('sessions').set({ revoked_at: nowIso() })
      .where('id', '=', sessionId).where('revoked_at', 'is', null)
      .execute()
  }

  const owners = sessionOwners(db, commits)

  return {
    revoke,

    // Opens the session only if the user still exists, is enabled and has the credentials that were verified, in the
    // same statement, so a password change, reset, disable or deletion that lands during the login wins. False otherwise.
    async create (session: NewSession): Promise<boolean> {
      const now = nowIso()
      try {
        return await db.transaction().execute(async (trx) => {
          const opened = await trx.insertInto('sessions')
            .columns(['id', 'user_id', 'credential_version', 'created_at', 'expires_at'])
            .expression(trx.selectFrom('users')
              .select([
                sql<string>`cast(${session.id} as text)`.as('id'), 'users.id as user_id', 'users.credential_version',
                sql<string>`cast(${now} as text)`.as('created_at'), sql<string>`cast(${session.expiresAt} as text)`.as('expires_at')
              ])
              .where('users.id', '=', session.userId)
              .where('users.credential_version', '=', session.credentialVersion)
              .where('users.disabled', '=', 0))
            .executeTakeFirst()
          if (opened.numInsertedOrUpdatedRows !== 1n) return false
          await trx.insertInto('refresh_tokens')
            .values({ token_hash: session.refreshTokenHash, session_id: session.id, created_at: now, used_at: null })
            .execute()
          return true
        })
      } catch (error) {
        // The user was deleted between the check and the insert (PostgreSQL checks the reference at the end).
        if (isForeignKeyViolation(error)) return false
        throw error
      }
    },

    // The session named by an access token, with the user it belongs to, as they are now.
    findWithOwner: owners.read,
    // The same if it is kept in memory and nothing was committed since it was read (SQLite only), without a query.
    keptWithOwner: owners.kept,

    async findRefreshToken (tokenHash: string): Promise<RefreshTokenRecord | undefined> {
      return await db.selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'refresh_tokens.session_id as sessionId', 'refresh_tokens.used_at as usedAt',
          'sessions.revoked_at as sessionRevokedAt', 'sessions.expires_at as sessionExpiresAt',
          'sessions.credential_version as sessionCredentialVersion', 'users.credential_version as credentialVersion',
          'users.id as userId', 'users.disabled'
        ])
        .where('refresh_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst()
    },

    // Spends a refresh token and stores its successor; reused when it was already spent (by a concurrent call too).
    async rotateRefreshToken (sessionId: string, spentHash: string, nextHash: string): Promise<RotationOutcome> {
      try {
        return await db.transaction().execute(async (trx) => {
          const now = nowIso()
          const spent = await trx.updateTable('refresh_tokens')
            .set({ used_at: now })
            .where('token_hash', '=', spentHash)
            .where('session_id', '=', sessionId)
            .where('used_at', 'is', null)
            .executeTakeFirst()
          if (spent.numUpdatedRows !== 1n) return 'reused'
          await trx.insertInto('refresh_tokens')
            .values({ token_hash: nextHash, session_id: sessionId, created_at: now, used_at: null })
            .execute()
          return 'rotated'
        })
      } catch (error) {
        // The user (and with them the session) was deleted while the token was being rotated.
        if (isForeignKeyViolation(error)) return 'gone'
        throw error
      }
    },

    // Every session of the user ends, and so does any login still in flight (a new credential version); false when
    // there is no such user.
    async revokeAllOfUser (userId: string): Promise<boolean> {
      return await db.transaction().execute(async (trx) => {
        const bumped = await trx.updateTable('users')
          .set((eb) => ({ credential_version: eb('credential_version', '+', 1) }))
          .where('id', '=', userId)
          .executeTakeFirst()
        if (bumped.numUpdatedRows !== 1n) return false
        await trx.updateTable('sessions').set({ revoked_at: nowIso() })
          .where('user_id', '=', userId).where('revoked_at', 'is', null)
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
  const sqlite = sqliteConnectionOf(fastify.db)
  const commits = sqlite === undefined ? undefined : sqliteCommitCounter(sqlite)
  if (commits !== undefined) fastify.addHook('onClose', async function stopWatchingCommits () { commits.close() })
  fastify.decorate('sessions', createSessionsRepository(fastify.db, commits))
}, { name: 'sessions-repository', dependencies: ['db'] })
