// Reads asked in one turn of the event loop share one query; a read already sent is never joined, so a read always
// starts after the request that asked for it; a failure reaches only the reads it was for.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { test } from 'tap'
import { batchedReads } from '../../../lib/database/batched-reads.js'

interface Row { key: string, read: number }

// A readMany that records each call's keys and answers when told to (or at once).
function fakeDatabase ({ held = false } = {}) {
  const calls: string[][] = []
  const pending: Array<() => void> = []
  const readMany = async (keys: string[]): Promise<Row[]> => {
    calls.push(keys)
    const read = calls.length
    if (held) await new Promise<void>((resolve) => pending.push(resolve))
    return keys.filter((key) => !key.startsWith('missing')).map((key) => ({ key, read }))
  }
  return { calls, readMany, answerAll: () => { for (const answer of pending.splice(0)) answer() } }
}

test('the reads of one turn go as one query, each key once, and each caller gets its own row', async (t) => {
  const database = fakeDatabase()
  const read = batchedReads(database.readMany, (row) => row.key)
  const rows = await Promise.all([read('a'), read('b'), read('a'), read('missing')])
  t.same(database.calls, [['a', 'b', 'missing']])
  t.same(rows, [{ key: 'a', read: 1 }, { key: 'b', read: 1 }, { key: 'a', read: 1 }, undefined])
  t.same(await read('a'), { key: 'a', read: 2 }, 'a later turn reads again')
})

test('a read asked while a query is in flight is not joined to it: it waits for a query of its own', async (t) => {
  const database = fakeDatabase({ held: true })
  const read = batchedReads(database.readMany, (row) => row.key)
  const first = read('a')
  await nextTurn()
  t.same(database.calls, [['a']], 'the first query was sent')
  // The race: the first query has been sent and has not answered; a commit may have landed since it started.
  const second = read('a')
  await nextTurn()
  t.same(database.calls, [['a'], ['a']], 'the second read went as a query of its own while the first was unanswered')
  database.answerAll()
  t.same(await first, { key: 'a', read: 1 })
  t.same(await second, { key: 'a', read: 2 }, 'answered by the query that started after it was asked')
})

test('a failed query fails the reads it carried, and only those', async (t) => {
  let fail = true
  const read = batchedReads(async (keys: string[]) => {
    if (fail) throw new Error('connection lost')
    return keys.map((key) => ({ key, read: 0 }))
  }, (row) => row.key)
  const failed = await Promise.allSettled([read('a'), read('b')])
  t.same(failed.map((outcome) => outcome.status), ['rejected', 'rejected'])
  t.equal((failed[0] as PromiseRejectedResult).reason.message, 'connection lost')
  fail = false
  t.same(await read('a'), { key: 'a', read: 0 }, 'the next turn reads afresh')
})

test('a turn with more keys than one query takes is split into queries of at most 100 keys', async (t) => {
  const database = fakeDatabase()
  const read = batchedReads(database.readMany, (row) => row.key)
  const keys = Array.from({ length: 250 }, (_, index) => `k${index}`)
  const rows = await Promise.all(keys.map(read))
  t.same(database.calls.map((call) => call.length), [100, 100, 50])
  t.same(database.calls.flat(), keys, 'every key read once, in order')
  t.same(rows.map((row) => row?.key), keys)
})
