// A read whose rows are kept until the next commit to the database: while nothing was committed, by any connection,
// a row read before is still what the database holds, so it is answered from memory (revocation stays immediate).
import { LRUCache } from 'lru-cache'
import type { CommitCounter } from './sqlite-commits.js'

export function readUntilCommit<Row extends object> (
  commits: CommitCounter,
  capacity: number,
  read: (key: string) => Promise<Row | undefined>
): (key: string) => Promise<Row | undefined> {
  // Bounded by count through maxSize: with `max`, lru-cache allocates its arrays for the whole bound up front.
  const kept = new LRUCache<string, { commit: number, row: Row }>({ maxSize: capacity, sizeCalculation: () => 1 })
  return async function readKept (key) {
    // Before the read: a commit that lands between the two makes the next call's number differ, so it reads again.
    const commit = commits.current()
    const entry = kept.get(key)
    if (entry?.commit === commit) return entry.row
    const row = await read(key)
    // Rows only: a missing one answers a refusal, which is cheap to repeat and must not crowd out real sessions.
    if (row !== undefined) kept.set(key, { commit, row: Object.freeze(row) })
    return row
  }
}
