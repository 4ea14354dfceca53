// Credential versions: a user's credential_version changes with every password change, reset, disable and
// "end all sessions"; a session keeps the version it was opened with and stops working once they differ, so a
// login that verified the old password cannot open a usable session after the change. demoted_at records an
// admin's decision to demote, which the ADMIN_USERNAME bootstrap respects.
import type { Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users')
    .addColumn('credential_version', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('users').addColumn('demoted_at', 'text').execute()
  await db.schema.alterTable('sessions')
    .addColumn('credential_version', 'integer', (column) => column.notNull().defaultTo(0))
    .execute()
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('credential_version').execute()
  await db.schema.alterTable('users').dropColumn('demoted_at').execute()
  await db.schema.alterTable('users').dropColumn('credential_version').execute()
}
