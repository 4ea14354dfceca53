// Migrations are shared by every engine; this tells them which one they run on.
import { PostgresAdapter, type Kysely } from 'kysely'

export function isPostgres (db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}
