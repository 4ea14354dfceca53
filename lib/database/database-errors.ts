// What a database failure means for the client: the database cannot answer now (503), or its disk is full (507).
// Anything else is a bug in a query and stays a 500.

function errorCode (error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

// Network failures, PostgreSQL's shutdown, overload and cancellation codes, a transaction it aborted to break a
// deadlock or a serialization conflict (worth retrying), and SQLite's locked, read-only and I/O failures (extended
// codes such as SQLITE_IOERR_WRITE and SQLITE_READONLY_DBMOVED start with these).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE',
  '57P01', '57P02', '57P03', '53300', '57014', '08000', '08001', '08003', '08004', '08006', '25006', '40P01', '40001'
])
const UNAVAILABLE_SQLITE_PREFIXES = ['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL']

// pg's own client-side failures carry no code, only a message: acquire and connect timeouts, the query timeout,
// a connection lost or closed under a query.
const UNAVAILABLE_MESSAGE = /timeout exceeded when trying to connect|Connection terminated|connection .*closed|Client has encountered a connection error|Query read timeout|Client was closed and is not queryable/i

export function isDependencyUnavailable (error: unknown): boolean {
  const code = errorCode(error)
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLITE_PREFIXES.some((prefix) => code.startsWith(prefix)))) return true
  return UNAVAILABLE_MESSAGE.test(error instanceof Error ? error.message : '')
}

// SQLite's disk (or quota) is full; PostgreSQL's 53100 disk_full says the same.
export function isStorageFull (error: unknown): boolean {
  const code = errorCode(error)
  return code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC'
}
