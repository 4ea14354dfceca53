// Writes of one key go one group at a time: those of a turn together, those that arrive meanwhile in the next group;
// each caller gets its own result, and a failed group fails only its own writes.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { test } from 'tap'
import { groupedWrites } from '../../../lib/database/grouped-writes.js'

// A writeMany that records each group and answers when told to.
function fakeDatabase () {
  const groups: Array<{ key: string, items: string[] }> = []
  const pending: Array<() => void> = []
  const writeMany = async (key: string, items: string[]): Promise<string[]> => {
    groups.push({ key, items })
    await new Promise<void>((resolve) => pending.push(resolve))
    return items.map((item) => `${key}:${item}`)
  }
  return { groups, writeMany, answer: () => { pending.shift()?.() } }
}

test('a turn\'s writes of one key go as one group, other keys apart, and each caller gets its own result', async (t) => {
  const database = fakeDatabase()
  const write = groupedWrites(database.writeMany)
  const results = Promise.all([write('alice', 'a1'), write('bob', 'b1'), write('alice', 'a2'), write('alice', 'a3')])
  await nextTurn()
  t.same(database.groups, [{ key: 'alice', items: ['a1', 'a2', 'a3'] }, { key: 'bob', items: ['b1'] }])
  database.answer()
  database.answer()
  t.same(await results, ['alice:a1', 'bob:b1', 'alice:a2', 'alice:a3'])
})

test('writes that arrive while a group of their key is written wait for it, then go together', async (t) => {
  const database = fakeDatabase()
  const write = groupedWrites(database.writeMany)
  const first = write('alice', 'a1')
  await nextTurn()
  // The race: the first group is being written when the next writes of the same key arrive, over several turns.
  const second = write('alice', 'a2')
  await nextTurn()
  const third = write('alice', 'a3')
  await nextTurn()
  t.same(database.groups.map((group) => group.items), [['a1']], 'nothing else is written while the first group is')
  database.answer()
  t.equal(await first, 'alice:a1')
  await nextTurn()
  t.same(database.groups.map((group) => group.items), [['a1'], ['a2', 'a3']], 'the waiting writes went as the next group')
  database.answer()
  t.same(await Promise.all([second, third]), ['alice:a2', 'alice:a3'])
})

test('a failed group fails its own writes only; the writes that waited for it are written next', async (t) => {
  const groups: string[][] = []
  let failFirst: (error: Error) => void = () => {}
  const write = groupedWrites(async (_key: string, items: string[]) => {
    groups.push(items)
    if (groups.length === 1) await new Promise<void>((_resolve, reject) => { failFirst = reject })
    return items
  })
  const failed = Promise.allSettled([write('alice', 'a1'), write('alice', 'a2')])
  await nextTurn()
  const waiting = write('alice', 'a3')
  failFirst(new Error('lost the connection'))
  const outcomes = await failed
  t.same(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected'])
  t.equal((outcomes[0] as PromiseRejectedResult).reason.message, 'lost the connection')
  t.equal(await waiting, 'a3', 'the write that waited is written')
  t.same(groups, [['a1', 'a2'], ['a3']])
})

test('a group that answers a different number of results fails every write in it', async (t) => {
  const write = groupedWrites(async (_key: string, items: string[]) => items.slice(1))
  const outcomes = await Promise.allSettled([write('alice', 'a1'), write('alice', 'a2')])
  t.same(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected'])
  t.match((outcomes[0] as PromiseRejectedResult).reason.message, /a group of 2 writes answered 1 results/)
})

test('with targets, a group holds one write per target: a second write of a target goes in a later group, in order', async (t) => {
  const groups: string[][] = []
  const write = groupedWrites(async (_key: string, items: string[]) => {
    groups.push(items)
    return items
  }, (item) => item.split(':')[0])
  const results = await Promise.all([write('alice', 'task1:a'), write('alice', 'task2:a'), write('alice', 'task1:b'), write('alice', 'task1:c'), write('alice', 'task3:a')])
  t.same(results, ['task1:a', 'task2:a', 'task1:b', 'task1:c', 'task3:a'])
  t.same(groups, [['task1:a', 'task2:a', 'task3:a'], ['task1:b'], ['task1:c']])
})
