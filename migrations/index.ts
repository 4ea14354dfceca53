// Versioned migrations, applied in name order at start and by `npm run migrate`.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import * as initial from './0001-initial.js'

const migrations: Record<string, Migration> = {
  '0001-initial': initial
}

const provider: MigrationProvider = {
  async getMigrations () { return migrations }
}

export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider })
  const { error, results } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
  return (results ?? []).map((result) => result.migrationName)
}
