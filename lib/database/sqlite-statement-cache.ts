// better-sqlite3 behind Kysely with its prepared statements kept: Kysely's driver prepares every query it runs,
// and preparing cost more than executing on the hot paths (npm run bench, scenario 1).
import type SQLite from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import { LRUCache } from 'lru-cache'

// Distinct SQL texts the app runs are a few dozen; bulk inserts of varying row counts are the only open-ended ones.
const MAX_CACHED_STATEMENTS = 200

export function withStatementCache (sqlite: SQLite.Database, capacity = MAX_CACHED_STATEMENTS): SqliteDatabase {
  const statements = new LRUCache<string, SqliteStatement>({ max: capacity })
  return {
    close () {
      sqlite.close()
    },
    prepare (sql: string): SqliteStatement {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = sqlite.prepare(sql)
        statements.set(sql, statement)
      }
      return statement
    }
  }
}
