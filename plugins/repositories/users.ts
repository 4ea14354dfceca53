// SQL for users: lookups, creation, the admin bootstrap, and the Administration routes' pages, changes and deletions.
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely'
import { ApiError } from '../../lib/api-error.js'
import { isUniqueViolation } from '../../lib/database/database.js'
import type { Database, Role, UserRow } from '../../lib/database/database-types.js'
import type { UserPosition } from '../../lib/listing/user-listing.js'
import { nowIso } from '../../lib/dates.js'
import type { ManagedUser, User } from '../../schemas/users.js'

export interface NewUser {
  username: string
  name: string
  passwordHash: string
  role: Role
}

export function toUser (row: Pick<UserRow, 'id' | 'username' | 'name' | 'role' | 'created_at'>): User {
  return { id: row.id, username: row.username, name: row.name, role: row.role, createdAt: row.created_at }
}

export function toManagedUser (row: UserRow): ManagedUser {
  return { id: row.id, username: row.username, name: row.name, role: row.role, disabled: row.disabled !== 0, createdAt: row.created_at }
}

export interface UserPageQuery {
  role: Role | undefined
  disabled: boolean | undefined
  order: 'asc' | 'desc'
  limit: number
  after: UserPosition | undefined
}

export interface UserChanges {
  role?: Role
  name?: string
  disabled?: boolean
}

function isActiveAdmin (user: Pick<UserRow, 'role' | 'disabled'>): boolean {
  return user.role === 'admin' && user.disabled === 0
}

// An admin's demotion is remembered (the bootstrap must not undo it); a promotion forgets it.
function demotionRecord (before: Role, after: Role | undefined, now: string): { demoted_at?: string | null } {
  if (after === undefined || after === before) return {}
  return { demoted_at: after === 'normal' ? now : null }
}

declare module 'fastify' {
  interface FastifyInstance {
    users: ReturnType<typeof createUsersRepository>
  }
}

export function createUsersRepository (db: Kysely<Database>) {
  const locksRows = db.getExecutor().adapter instanceof PostgresAdapter

  // Changes that may remove an active admin run here: on PostgreSQL every active admin row is locked first, so two
  // admins demoting each other at once are serialized (on SQLite every transaction takes the write lock first,
  // lib/database/database.ts). The change is refused with 409 last_admin when it would leave no active admin.
  async function withLastAdminGuard<T> (id: string, change: (trx: Transaction<Database>, before: UserRow) => Promise<T>): Promise<T | undefined> {
    return await db.transaction().execute(async (trx) => {
      if (locksRows) {
        await trx.selectFrom('users').select('id').where('role', '=', 'admin').where('disabled', '=', 0).orderBy('id').forUpdate().execute()
      }
      const before = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      if (before === undefined) return undefined
      const result = await change(trx, before)
      if (isActiveAdmin(before)) {
        const after = await trx.selectFrom('users').select(['role', 'disabled']).where('id', '=', id).executeTakeFirst()
        if (after === undefined || !isActiveAdmin(after)) {
          const { count } = await trx.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('count'))
            .where('role', '=', 'admin').where('disabled', '=', 0)
            .executeTakeFirstOrThrow()
          if (Number(count) === 0) throw new ApiError(409, 'last_admin', 'This is the last active admin: promote or enable another admin first')
        }
      }
      return result
    })
  }

  return {
    async findById (id: string): Promise<UserRow | undefined> {
      return await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async findByUsername (username: string): Promise<UserRow | undefined> {
      return await db.selectFrom('users').selectAll()
        .where(sql<string>`lower(username)`, '=', username.toLowerCase())
        .executeTakeFirst()
    },

    // Throws 409 username_taken when the name exists in any letter case; the unique index decides races.
    async create (user: NewUser): Promise<UserRow> {
      const now = nowIso()
      const row: UserRow = {
        id: randomUUID(),
        username: user.username,
        name: user.name,
        password_hash: user.passwordHash,
        role: user.role,
        disabled: 0,
        created_at: now,
        updated_at: now,
        credential_version: 0,
        demoted_at: null,
        tasks_version: 0
      }
      try {
        await db.insertInto('users').values(row).execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError(409, 'username_taken', `The username "${user.username}" is already taken`)
        throw error
      }
      return row
    },

    // A new hash of the same password (a rehash at login): written only while the credentials are still those that
    // were read, so it never brings back a password changed in the meantime.
    async replacePasswordHash (id: string, credentialVersion: number, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, updated_at: nowIso() })
        .where('id', '=', id).where('credential_version', '=', credentialVersion)
        .execute()
    },

    // The user's own change: the new password and a new credential version, every other session ended, and the
    // caller's session moved to the new version, as one change. False when the credentials changed since they were
    // read (another change or a reset won the race), so the caller's proof of the old password no longer counts.
    async changePassword (id: string, credentialVersion: number, passwordHash: string, keptSessionId: string): Promise<boolean> {
      return await db.transaction().execute(async (trx) => {
        const now = nowIso()
        const changed = await trx.updateTable('users')
          .set({ password_hash: passwordHash, credential_version: credentialVersion + 1, updated_at: now })
          .where('id', '=', id).where('credential_version', '=', credentialVersion)
          .executeTakeFirst()
        if (changed.numUpdatedRows !== 1n) return false
        await trx.updateTable('sessions').set({ revoked_at: now })
          .where('user_id', '=', id).where('id', '!=', keptSessionId).where('revoked_at', 'is', null)
          .execute()
        await trx.updateTable('sessions').set({ credential_version: credentialVersion + 1 }).where('id', '=', keptSessionId).execute()
        return true
      })
    },

    // An operator's reset: the new password, a new credential version, and every session of the user ended, as one change.
    async resetPassword (id: string, passwordHash: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const now = nowIso()
        await trx.updateTable('users')
          .set((eb) => ({ password_hash: passwordHash, credential_version: eb('credential_version', '+', 1), updated_at: now }))
          .where('id', '=', id).execute()
        await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute()
      })
    },

    // The bootstrap's promotion: only while the account still has the credentials whose password was verified.
    async promoteVerified (id: string, credentialVersion: number): Promise<boolean> {
      const promoted = await db.updateTable('users').set({ role: 'admin', demoted_at: null, updated_at: nowIso() })
        .where('id', '=', id).where('credential_version', '=', credentialVersion).where('demoted_at', 'is', null)
        .executeTakeFirst()
      return promoted.numUpdatedRows === 1n
    },

    // One page ordered by (created_at, id); `after` is the last user of the previous page.
    async listPage ({ role, disabled, order, limit, after }: UserPageQuery): Promise<UserRow[]> {
      let query = db.selectFrom('users').selectAll()
      if (role !== undefined) query = query.where('role', '=', role)
      if (disabled !== undefined) query = query.where('disabled', '=', disabled ? 1 : 0)
      if (after !== undefined) {
        const beyond = order === 'asc' ? '>' : '<'
        query = query.where((eb) => eb.or([
          eb('created_at', beyond, after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', beyond, after.id)])
        ]))
      }
      return await query.orderBy('created_at', order).orderBy('id', order).limit(limit).execute()
    },

    // The user as changed, or undefined when there is no such user; 409 last_admin when no active admin would remain.
    async update (id: string, changes: UserChanges): Promise<UserRow | undefined> {
      return await withLastAdminGuard(id, async (trx, before) => {
        const { disabled, ...rest } = changes
        const now = nowIso()
        // Disabling ends every session for good (a new credential version), so re-enabling revives none.
        const disabling = disabled === true && before.disabled === 0
        if (disabling) await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', id).where('revoked_at', 'is', null).execute()
        return await trx.updateTable('users')
          .set((eb) => ({
            ...rest,
            ...(disabled === undefined ? {} : { disabled: disabled ? 1 : 0 }),
            ...(disabling ? { credential_version: eb('credential_version', '+', 1) } : {}),
            ...demotionRecord(before.role, changes.role, now),
            updated_at: now
          }))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
      })
    },

    // Deletes the user with their tasks, sessions and refresh tokens (ON DELETE CASCADE); false when there was none.
    async remove (id: string): Promise<boolean> {
      const removed = await withLastAdminGuard(id, async (trx) => {
        await trx.deleteFrom('users').where('id', '=', id).execute()
        return true
      })
      return removed === true
    }
  }
}

export default fp(async function usersRepository (fastify) {
  fastify.decorate('users', createUsersRepository(fastify.db))
}, { name: 'users-repository', dependencies: ['db'] })
