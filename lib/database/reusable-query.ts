// Kysely builds and compiles a query's SQL anew on every call, which cost as much as running it on the queries of
// every request (npm run bench, scenario 1). These are built once, with markers where the arguments go, and then
// run with the arguments put in the markers' places.
import type SQLite from 'better-sqlite3'
import type pg from 'pg'
import { CompiledQuery, type Compilable, type Kysely } from 'kysely'
import { postgresPoolOf, sqliteConnectionOf } from './database.js'
import { isStalePreparedStatement, renameStatement, statementName } from './postgres-statements.js'

class ArgumentMarker {
  constructor (readonly index: number) {}
}

// Rows, a promise of them, or undefined where the query must take Kysely's path this time.
type Run<Row> = (parameters: readonly unknown[]) => Row[] | Promise<Row[]> | undefined

// On SQLite a read runs on the connection at once, its rows fetched as arrays and named here: better-sqlite3 builds a
// row object property by property in C++, a third of a 21-row page's cost (measured with npm run bench). Only while no
// transaction is open on the one connection, whose uncommitted rows must not be seen: then Kysely's path waits for it.
function directSqliteRead<Row> (sqlite: SQLite.Database, sql: string): Run<Row> | undefined {
  const statement = sqlite.prepare(sql)
  if (!statement.reader) return undefined
  statement.raw(true)
  const names = statement.columns().map((column) => column.name)
  const named = (values: unknown[]): Row => {
    const row: Record<string, unknown> = {}
    for (let index = 0; index < names.length; index++) row[names[index] as string] = values[index]
    return row as Row
  }
  return (parameters) => sqlite.inTransaction ? undefined : (statement.all(parameters) as unknown[][]).map(named)
}

// On PostgreSQL it runs straight on the pool, prepared (postgres-statements.ts), without Kysely's connection
// handling around it: 30-45 us less CPU a query (measured with pg beside Kysely, 16 at once). The pool bounds the
// wait for a connection and the query as it does for Kysely, and closes a connection whose query failed.
function directPostgresQuery<Row> (pool: pg.Pool, sql: string, parameterCount: number, prepared: boolean): Run<Row> {
  const run = async (parameters: readonly unknown[]): Promise<Row[]> =>
    (await pool.query({ name: prepared ? statementName(sql, parameterCount) : undefined, text: sql, values: parameters as unknown[] })).rows as Row[]
  return async (parameters) => {
    try {
      return await run(parameters)
    } catch (error) {
      if (!isStalePreparedStatement(error)) throw error
      // Prepared before a migration changed what it returns: prepared again, under a new name.
      renameStatement(sql)
      return await run(parameters)
    }
  }
}

function directRun<Row> (db: Kysely<any>, sql: string, parameterCount: number, prepared: boolean): Run<Row> | undefined {
  const sqlite = sqliteConnectionOf(db)
  if (sqlite !== undefined) return directSqliteRead<Row>(sqlite, sql)
  const pool = postgresPoolOf(db)
  return pool === undefined ? undefined : directPostgresQuery<Row>(pool, sql, parameterCount, prepared)
}

export interface ReuseOptions {
  // PostgreSQL plans the query at every call, for the values given, instead of once per connection: for a query whose
  // best plan depends on how many rows its arrays carry and how large the table has grown since it was first planned.
  plannedEachTime?: boolean
}

// `build` must not look at its arguments' values (they are markers when it runs); branch outside it instead.
export function reusableQuery<Args extends unknown[], Row> (
  db: Kysely<any>,
  build: (...args: Args) => Compilable<Row>,
  { plannedEachTime = false }: ReuseOptions = {}
): (...args: Args) => Promise<Row[]> {
  let compiled: { sql: string, slots: readonly unknown[], direct: Run<Row> | undefined } | undefined
  return async function runReusableQuery (...args: Args): Promise<Row[]> {
    if (compiled === undefined) {
      const markers = args.map((_, index) => new ArgumentMarker(index)) as Args
      const { sql, parameters } = build(...markers).compile()
      compiled = { sql, slots: parameters, direct: directRun<Row>(db, sql, parameters.length, !plannedEachTime) }
    }
    const parameters = compiled.slots.map((slot) => slot instanceof ArgumentMarker ? args[slot.index] : slot)
    const rows = compiled.direct?.(parameters)
    if (rows !== undefined) return await rows
    return (await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters))).rows
  }
}
