// Versioned migrations, applied in name order at start and by `npm run migrate`.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import { isPostgres } from './dialect.js'
import * as initial from './0001-initial.js'
import * as credentialVersion from './0002-credential-version.js'
import * as taskVersions from './0003-task-versions.js'
import * as taskVersionTriggers from './0004-task-version-triggers.js'
import * as postgresRowUpdateTriggers from './0005-postgres-row-update-triggers.js'

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-credential-version': credentialVersion,
  '0003-task-versions': taskVersions,
  '0004-task-version-triggers': taskVersionTriggers,
  '0005-postgres-row-update-triggers': postgresRowUpdateTriggers
}

const provider: MigrationProvider = {
  async getMigrations () { return migrations }
}

// Kysely looks for its bookkeeping tables in every visible schema; on PostgreSQL pin them to the current one,
// so a database holding several schemas (one per tenant, or per test) migrates each on its own.
async function migrationTableSchema (db: Kysely<any>): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema
}

export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: await migrationTableSchema(db) })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
  return (results ?? []).map((result) => result.migrationName)
}
