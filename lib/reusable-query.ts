// Kysely builds and compiles a query's SQL anew on every call, which cost as much as running it on the queries of
// every request (npm run bench, scenario 1). These are built once, with markers where the arguments go, and then
// run with the arguments put in the markers' places.
import type SQLite from 'better-sqlite3'
import { CompiledQuery, type Compilable, type Kysely } from 'kysely'
import { sqliteConnectionOf } from './database.js'

class ArgumentMarker {
  constructor (readonly index: number) {}
}

type Read<Row> = (parameters: readonly unknown[]) => Row[] | undefined

// On SQLite a read runs on the connection at once, its rows fetched as arrays and named here: better-sqlite3 builds a
// row object property by property in C++, a third of a 21-row page's cost (measured with npm run bench). Only while no
// transaction is open on the one connection, whose uncommitted rows must not be seen: then Kysely's path waits for it.
function directSqliteRead<Row> (sqlite: SQLite.Database, sql: string): Read<Row> | undefined {
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

// `build` must not look at its arguments' values (they are markers when it runs); branch outside it instead.
export function reusableQuery<Args extends unknown[], Row> (
  db: Kysely<any>,
  build: (...args: Args) => Compilable<Row>
): (...args: Args) => Promise<Row[]> {
  let compiled: { sql: string, slots: readonly unknown[], direct: Read<Row> | undefined } | undefined
  return async function runReusableQuery (...args: Args): Promise<Row[]> {
    if (compiled === undefined) {
      const markers = args.map((_, index) => new ArgumentMarker(index)) as Args
      const { sql, parameters } = build(...markers).compile()
      const sqlite = sqliteConnectionOf(db)
      compiled = { sql, slots: parameters, direct: sqlite === undefined ? undefined : directSqliteRead<Row>(sqlite, sql) }
    }
    const parameters = compiled.slots.map((slot) => slot instanceof ArgumentMarker ? args[slot.index] : slot)
    const rows = compiled.direct?.(parameters)
    if (rows !== undefined) return rows
    return (await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters))).rows
  }
}
