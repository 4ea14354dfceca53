// Rows kept until the next commit: read once while nothing is committed, read again after any commit, and a commit
// that lands while a row is being read is not hidden by it.
import { test } from 'tap'
import { readUntilCommit } from '../../../lib/database/read-until-commit.js'

function fakeCommits () {
  let count = 0
  return { current: () => count, close: () => {}, commit: () => { count++ } }
}

test('a row is read once while nothing is committed, and again after a commit', async (t) => {
  const commits = fakeCommits()
  const reads: string[] = []
  const { read: find, kept } = readUntilCommit(commits, 10, async (key) => { reads.push(key); return { key, reads: reads.length } })
  t.equal(kept('a'), undefined, 'nothing kept before the first read')
  t.same(await find('a'), { key: 'a', reads: 1 })
  t.same(await find('a'), { key: 'a', reads: 1 }, 'kept')
  t.same(kept('a'), { key: 'a', reads: 1 }, 'and found without a read')
  t.same(await find('b'), { key: 'b', reads: 2 }, 'each key on its own')
  commits.commit()
  t.equal(kept('a'), undefined, 'a commit ends what was kept')
  t.same(await find('a'), { key: 'a', reads: 3 }, 'read again after a commit')
  t.same(reads, ['a', 'b', 'a'])
})

test('a commit that lands during the read makes the next call read again', async (t) => {
  const commits = fakeCommits()
  let reads = 0
  const { read: find, kept } = readUntilCommit(commits, 10, async () => {
    reads++
    // The row read here may already hold the commit, or not: it must not be kept as current past it.
    commits.commit()
    return { reads }
  })
  await find('a')
  t.equal(kept('a'), undefined)
  await find('a')
  t.equal(reads, 2)
})

test('missing rows are not kept; kept rows are frozen; past the capacity the least recently used goes first', async (t) => {
  const commits = fakeCommits()
  let reads = 0
  const rows = new Map([['a', { v: 1 }], ['b', { v: 2 }], ['c', { v: 3 }]])
  const { read: find } = readUntilCommit(commits, 2, async (key) => { reads++; const row = rows.get(key); return row === undefined ? undefined : { ...row } })
  t.equal(await find('missing'), undefined)
  t.equal(await find('missing'), undefined)
  t.equal(reads, 2, 'a missing row is looked up every time')

  const a = await find('a')
  t.ok(Object.isFrozen(a), 'callers cannot change what the next request gets')
  await find('b')
  await find('a')
  await find('c')
  t.equal(reads, 5, 'a, b, c read once each')
  await find('a')
  t.equal(reads, 5, 'a was used more recently than b')
  await find('b')
  t.equal(reads, 6, 'b was dropped for c')
})

test('a row read across a commit is not kept as current, even after the rows of before were dropped', async (t) => {
  const commits = fakeCommits()
  let reads = 0
  let release: () => void = () => {}
  const { read: find, kept } = readUntilCommit(commits, 10, async () => {
    reads++
    if (reads === 1) await new Promise<void>((resolve) => { release = resolve })
    return { reads }
  })
  const slow = find('a')
  await new Promise((resolve) => setImmediate(resolve))
  commits.commit()
  t.equal(kept('a'), undefined, 'another request after the commit finds nothing')
  release()
  await slow
  t.equal(kept('a'), undefined, 'the row read from before the commit is not served after it')
  t.same(await find('a'), { reads: 2 })
})
