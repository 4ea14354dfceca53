// SQL for users: lookups by id and case-insensitive username, creation, and the admin bootstrap.
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { sql, type Kysely, type Selectable } from 'kysely'
import { ApiError } from '../../lib/api-error.js'
import { isUniqueViolation } from '../../lib/database.js'
import type { Database, Role, UsersTable } from '../../lib/database-types.js'
import { nowIso } from '../../lib/dates.js'
import type { User } from '../../schemas/users.js'

export type UserRow = Selectable<UsersTable>

export interface NewUser {
  username: string
  name: string
  passwordHash: string
  role: Role
}

export function toUser (row: Pick<UserRow, 'id' | 'username' | 'name' | 'role' | 'created_at'>): User {
  return { id: row.id, username: row.username, name: row.name, role: row.role, createdAt: row.created_at }
}

declare module 'fastify' {
  interface FastifyInstance {
    users: ReturnType<typeof createUsersRepository>
  }
}

export function createUsersRepository (db: Kysely<Database>) {
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
        updated_at: now
      }
      try {
        await db.insertInto('users').values(row).execute()
      } catch (error) {
        if (isUniqueViolation(error)) throw new ApiError(409, 'username_taken', `The username "${user.username}" is already taken`)
        throw error
      }
      return row
    },

    async setPasswordHash (id: string, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, updated_at: nowIso() }).where('id', '=', id).execute()
    },

    async setRole (id: string, role: Role): Promise<void> {
      await db.updateTable('users').set({ role, updated_at: nowIso() }).where('id', '=', id).execute()
    }
  }
}

export default fp(async function usersRepository (fastify) {
  fastify.decorate('users', createUsersRepository(fastify.db))
}, { name: 'users-repository', dependencies: ['db'] })
