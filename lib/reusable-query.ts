// Kysely builds and compiles a query's SQL anew on every call, which cost as much as running it on the queries of
// every request (npm run bench, scenario 1). These are built once, with markers where the arguments go, and then
// run with the arguments put in the markers' places.
import { CompiledQuery, type Compilable, type Kysely } from 'kysely'

class ArgumentMarker {
  constructor (readonly index: number) {}
}

// `build` must not look at its arguments' values (they are markers when it runs); branch outside it instead.
export function reusableQuery<Args extends unknown[], Row> (
  db: Kysely<any>,
  build: (...args: Args) => Compilable<Row>
): (...args: Args) => Promise<Row[]> {
  let compiled: { sql: string, slots: readonly unknown[] } | undefined
  return async function runReusableQuery (...args: Args): Promise<Row[]> {
    if (compiled === undefined) {
      const markers = args.map((_, index) => new ArgumentMarker(index)) as Args
      const { sql, parameters } = build(...markers).compile()
      compiled = { sql, slots: parameters }
    }
    const parameters = compiled.slots.map((slot) => slot instanceof ArgumentMarker ? args[slot.index] : slot)
    const { rows } = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters))
    return rows
  }
}
