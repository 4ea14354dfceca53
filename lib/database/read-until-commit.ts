// A read whose rows are kept until the next commit to the database: while nothing was committed, by any connection,
// a row read before is still what the database holds, so it is answered from memory (revocation stays immediate).
import { LRUCache } from 'lru-cache'
import type { CommitCounter } from './sqlite-commits.js'

export interface KeptReads<Row> {
  // The row kept for `key`, if nothing was committed since it was read; a synchronous look, no query.
  kept: (key: string) => Row | undefined
  // The kept row, or else the row read now (and kept).
  read: (key: string) => Promise<Row | undefined>
}

export function readUntilCommit<Row extends object> (
  commits: CommitCounter,
  capacity: number,
  read: (key: string) => Promise<Row | undefined>
): KeptReads<Row> {
  // Bounded by count through maxSize: with `max`, lru-cache allocates its arrays for the whole bound up front.
  const rows = new LRUCache<string, { commit: number, row: Row }>({ maxSize: capacity, sizeCalculation: () => 1 })
  let lastCommit: number | undefined
  function keptAt (key: string, commit: number): Row | undefined {
    // Every row kept before a commit is stale after it: dropped at once, not held until the LRU pushes it out.
    if (commit !== lastCommit) {
      rows.clear()
      lastCommit = commit
    }
    // A row read across a commit is stamped with the number from before it, so it is not found after it.
    const entry = rows.get(key)
    return entry?.commit === commit ? entry.row : undefined
  }
  return {
    kept: (key) => keptAt(key, commits.current()),
    async read (key) {
      // Before the read: a commit that lands between the two makes the next look's number differ, so it reads again.
      const commit = commits.current()
      const kept = keptAt(key, commit)
      if (kept !== undefined) return kept
      const row = await read(key)
      // Rows only: a missing one answers a refusal, which is cheap to repeat and must not crowd out real sessions.
      if (row !== undefined) rows.set(key, { commit, row: Object.freeze(row) })
      return row
    }
  }
}
