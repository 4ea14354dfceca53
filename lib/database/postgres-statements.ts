// Names for PostgreSQL prepared statements. A statement sent under a name is parsed and planned once per connection
// (pg remembers what each connection has prepared) instead of on every call: the server's CPU per session read fell
// from about 230 to 70-90 us (measured with pg beside an unnamed statement, 16 at once).
// Statements without parameters stay unnamed: pg sends those as a simple query, which may hold several statements
// (migrations do).
const MAX_NAMED_STATEMENTS = 500
// Longer texts are one-off statements (seeding's multi-row inserts): naming them would only fill every connection.
const MAX_NAMED_LENGTH = 4_000

const names = new Map<string, string>()
let named = 0

// The name to prepare `text` under, or undefined to send it unnamed. Bounded: each connection keeps every statement
// it prepared until it closes.
export function statementName (text: string, parameterCount: number): string | undefined {
  if (parameterCount === 0 || text.length > MAX_NAMED_LENGTH) return undefined
  let name = names.get(text)
  if (name === undefined && named < MAX_NAMED_STATEMENTS) {
    name = `todo_${++named}`
    names.set(text, name)
  }
  return name
}

// A prepared statement whose result's shape changed under it (a migration by another instance altered a table it
// reads) is refused by PostgreSQL on every connection that prepared it.
export function isStalePreparedStatement (error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '0A000'
}

// After a stale statement: `text` gets a new name, which every connection prepares afresh.
export function renameStatement (text: string): void {
  names.delete(text)
}
