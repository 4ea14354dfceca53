// Reads by key that requests ask for in one turn of the event loop go to the database as one query (setImmediate):
// on PostgreSQL a round trip costs the service and the server more CPU than the rows it carries. A read already sent
// is never joined: a request's read always starts after the request arrived, so it sees every commit made before.
const MAX_KEYS_PER_READ = 100

interface Waiter<Row> {
  resolve: (row: Row | undefined) => void
  reject: (error: unknown) => void
}

export function batchedReads<Row> (
  readMany: (keys: string[]) => Promise<Row[]>,
  keyOf: (row: Row) => string
): (key: string) => Promise<Row | undefined> {
  let waiting = new Map<string, Array<Waiter<Row>>>()

  function send (batch: Map<string, Array<Waiter<Row>>>): void {
    readMany([...batch.keys()]).then((rows) => {
      const byKey = new Map(rows.map((row) => [keyOf(row), row]))
      for (const [key, waiters] of batch) for (const waiter of waiters) waiter.resolve(byKey.get(key))
    }, (error: unknown) => {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
    })
  }

  function sendWaiting (): void {
    const batch = waiting
    waiting = new Map()
    if (batch.size > 0) send(batch)
  }

  return async function read (key) {
    return await new Promise<Row | undefined>((resolve, reject) => {
      let waiters = waiting.get(key)
      if (waiters === undefined) {
        if (waiting.size === MAX_KEYS_PER_READ) sendWaiting()
        if (waiting.size === 0) setImmediate(sendWaiting)
        waiters = []
        waiting.set(key, waiters)
      }
      waiters.push({ resolve, reject })
    })
  }
}
