// The schema the foundation needs: users, sessions with their refresh tokens, tasks, signing keys.
import { sql, type Kysely } from 'kysely'
import { isPostgres } from './dialect.js'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('username', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull().defaultTo('normal').check(sql`role in ('normal', 'admin')`))
    .addColumn('disabled', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute()
  // Usernames are unique without regard to case.
  await db.schema.createIndex('users_username_unique').unique().on('users').expression(sql`lower(username)`).execute()
  await db.schema.createIndex('users_created_at').on('users').columns(['created_at', 'id']).execute()

  await db.schema.createTable('sessions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull())
    .addColumn('revoked_at', 'text')
    .execute()
  await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()

  await db.schema.createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('session_id', 'text', (column) => column.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('used_at', 'text')
    .execute()
  await db.schema.createIndex('refresh_tokens_session_id').on('refresh_tokens').column('session_id').execute()

  await db.schema.createTable('tasks')
    .addColumn('id', isPostgres(db) ? 'serial' : 'integer', (column) => isPostgres(db) ? column.primaryKey() : column.primaryKey().autoIncrement())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('done', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('due', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute()
  // One index per list query: a user's own tasks by due, everyone's by due, the newest for anonymous callers.
  await db.schema.createIndex('tasks_user_due').on('tasks').columns(['user_id', 'due', 'id']).execute()
  await db.schema.createIndex('tasks_due').on('tasks').columns(['due', 'id']).execute()
  await db.schema.createIndex('tasks_created_at').on('tasks').columns(['created_at', 'id']).execute()

  await db.schema.createTable('signing_keys')
    .addColumn('kid', 'text', (column) => column.primaryKey())
    .addColumn('algorithm', 'text', (column) => column.notNull())
    .addColumn('public_key', 'text', (column) => column.notNull())
    .addColumn('private_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('retired_at', 'text')
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  for (const table of ['signing_keys', 'tasks', 'refresh_tokens', 'sessions', 'users']) {
    await db.schema.dropTable(table).execute()
  }
}
