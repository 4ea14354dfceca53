// The commit counter behind the sessions kept in memory on SQLite: it moves with every commit, from this connection,
// another connection or another process, and never with a read.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import SQLite from 'better-sqlite3'
import { sqliteCommitCounter, type CommitCounter } from '../../../lib/database/sqlite-commits.js'

function walDatabase (file: string): SQLite.Database {
  const sqlite = new SQLite(file)
  sqlite.pragma('journal_mode = WAL')
  return sqlite
}

function counterOf (t: Test, sqlite: SQLite.Database): CommitCounter {
  const commits = sqliteCommitCounter(sqlite)
  if (commits === undefined) throw new Error('no counter')
  t.teardown(() => commits.close())
  return commits
}

// A WAL database with an empty notes table in the test's folder, and the counter watching it.
function notesOnWal (t: Test, name: string): { file: string, sqlite: SQLite.Database, commits: CommitCounter } {
  const file = join(t.testdir(), name)
  const sqlite = walDatabase(file)
  t.teardown(() => sqlite.close())
  sqlite.exec('create table notes (id integer primary key, body text)')
  return { file, sqlite, commits: counterOf(t, sqlite) }
}

test('on a WAL file: unchanged by reads, moved by a commit from this connection, another one, or another process', async (t) => {
  const { file, sqlite, commits } = notesOnWal(t, 'commits.db')
  const other = walDatabase(file)
  t.teardown(() => other.close())

  const start = commits.current()
  sqlite.prepare('select * from notes').all()
  other.prepare('select count(*) from notes').get()
  t.equal(commits.current(), start, 'reads, by either connection, change nothing')

  sqlite.prepare('insert into notes (body) values (?)').run('own')
  const afterOwn = commits.current()
  t.not(afterOwn, start, 'a commit of this connection')
  t.equal(commits.current(), afterOwn, 'and it is counted once')

  other.prepare('update notes set body = ?').run('changed elsewhere')
  const afterOther = commits.current()
  t.not(afterOther, afterOwn, 'a commit of another connection')

  const script = `const S = require('better-sqlite3'); const d = new S(${JSON.stringify(file)}); d.prepare("delete from notes").run(); d.close()`
  execFileSync(process.execPath, ['-e', script], { cwd: process.cwd() })
  t.not(commits.current(), afterOther, 'a commit of another process')

  const settled = commits.current()
  other.exec('begin immediate')
  other.prepare('insert into notes (body) values (?)').run('not yet')
  t.equal(commits.current(), settled, 'an open transaction of another connection is not a commit')
  other.exec('commit')
  t.not(commits.current(), settled, 'until it commits')
})

test('no process can commit around the wal-index while the service is connected: exclusive locking mode is refused', async (t) => {
  const { file, sqlite, commits } = notesOnWal(t, 'exclusive.db')
  const before = commits.current()
  // Exclusive locking keeps the wal-index in the writer's own memory; it needs the database to itself.
  const script = `const S = require('better-sqlite3'); const d = new S(${JSON.stringify(file)}, { timeout: 100 }); d.pragma('locking_mode = EXCLUSIVE')
    try { d.exec("begin exclusive; insert into notes (body) values ('behind its back'); commit"); console.log('committed') } catch (e) { console.log(e.code) }`
  const answer = execFileSync(process.execPath, ['-e', script], { cwd: process.cwd() }).toString().trim()
  t.equal(answer, 'SQLITE_BUSY')
  t.equal(commits.current(), before)
  t.same(sqlite.prepare('select count(*) as n from notes').get(), { n: 0 })
})

test('in memory: moved by every write of the one connection, not by reads', async (t) => {
  const sqlite = new SQLite(':memory:')
  t.teardown(() => sqlite.close())
  sqlite.exec('create table notes (id integer primary key, body text)')
  const commits = counterOf(t, sqlite)
  const start = commits.current()
  sqlite.prepare('select * from notes').all()
  t.equal(commits.current(), start)
  sqlite.prepare('insert into notes (body) values (?)').run('one')
  const afterInsert = commits.current()
  t.not(afterInsert, start)
  sqlite.prepare('delete from notes').run()
  t.not(commits.current(), afterInsert)
})

test('no counter without a wal-index to watch; an unreadable one never says "unchanged"', async (t) => {
  const rollbackJournal = new SQLite(join(t.testdir(), 'journal.db'))
  t.teardown(() => rollbackJournal.close())
  t.equal(sqliteCommitCounter(rollbackJournal), undefined, 'rollback-journal mode has no wal-index header')

  const sqlite = walDatabase(join(t.testdir(), 'closed.db'))
  t.teardown(() => sqlite.close())
  const commits = sqliteCommitCounter(sqlite)
  if (commits === undefined) throw new Error('no counter')
  commits.close()
  const first = commits.current()
  t.not(commits.current(), first, 'each look after the header cannot be read counts as a commit')
})
