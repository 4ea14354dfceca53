// SQLite on a read-only file or folder refuses to start, naming the file; a full disk answers 507 (never 500), /ready
// says 503 while nothing can be written, and both recover once space is free. Root ignores file modes, so read-only
// is made with the immutable attribute (chattr +i), and a full disk with a small tmpfs.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { test } from 'tap'
import { build, loggedInUser, onPostgres } from '../helper.js'
import { runUntilExit } from '../server-process.js'
import { cannotRun } from '../cannot-run.js'

function tryRun (command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' })
    return undefined
  } catch (error) {
    return `${command} ${args.join(' ')} failed: ${(error as Error).message.split('\n')[0]}`
  }
}

const sqliteOnly = onPostgres ? 'SQLite only: runs in the SQLite pass of npm test' : false

test('a read-only SQLite file or folder stops the start with exit code 1 and a message naming the file', { skip: sqliteOnly }, async (t) => {
  for (const immutable of ['file', 'folder'] as const) {
    const dir = join(t.testdir(), immutable)
    mkdirSync(dir)
    const file = join(dir, 'app.db')
    // A database in WAL mode, as the service leaves it, then made read-only.
    const sqlite = new SQLite(file)
    sqlite.pragma('journal_mode = WAL')
    sqlite.exec('create table earlier_data (id integer primary key)')
    sqlite.close()
    const refused = tryRun('chattr', ['+i', immutable === 'file' ? file : dir])
    if (refused !== undefined) {
      await t.test(`read-only ${immutable}`, { skip: cannotRun(`the read-only SQLite ${immutable} check`, refused) }, () => {})
      continue
    }
    if (immutable === 'folder') for (const extra of ['-wal', '-shm']) rmSync(file + extra, { force: true })
    try {
      const result = await runUntilExit({ DATABASE_URL: `sqlite:${file}` })
      t.equal(result.code, 1, `read-only ${immutable}: exit code 1`)
      t.match(result.output, `Cannot use the SQLite database file ${file}`, `read-only ${immutable}: the message names the file`)
    } finally {
      tryRun('chattr', ['-i', immutable === 'file' ? file : dir])
    }
  }
})

test('a full disk answers 507 insufficient_storage, /ready 503, and recovers once space is free', { skip: sqliteOnly }, async (t) => {
  // Outside tap's fixture folder, which tap removes (and could not, while mounted).
  const mountPoint = mkdtempSync(join(tmpdir(), 'small-disk-'))
  t.teardown(() => rmSync(mountPoint, { recursive: true, force: true }))
  const refused = tryRun('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint])
  if (refused !== undefined) {
    await t.test('full disk', { skip: cannotRun('the full-disk test (it needs root, to mount a tmpfs)', refused) }, () => {})
    return
  }
  t.teardown(() => tryRun('umount', ['-l', mountPoint]))
  const app = await build(t, { databaseUrl: `sqlite:${join(mountPoint, 'app.db')}` })
  const user = await loggedInUser(app)
  t.equal((await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'before' } })).statusCode, 201)

  // Fill the disk: the filler stops where the disk is full.
  const filler = join(mountPoint, 'filler')
  try { writeFileSync(filler, Buffer.alloc(8 * 1024 * 1024)) } catch { /* ENOSPC: full, as wanted */ }

  let write = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'x'.repeat(200), description: 'y'.repeat(2000) } })
  for (let attempt = 0; attempt < 20 && write.statusCode === 201; attempt++) {
    write = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'x'.repeat(200), description: 'y'.repeat(2000) } })
  }
  t.equal(write.statusCode, 507, 'a write on a full disk answers 507')
  t.same(write.json(), { statusCode: 507, error: 'Insufficient Storage', message: 'The database has no space left; try again later', code: 'insufficient_storage' })
  t.equal(write.headers['retry-after'], '5')
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, '/ready says 503 while nothing can be written')
  t.same(ready.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer', code: 'service_unavailable' })
  const read = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  t.equal(read.statusCode, 200, 'reads still work')

  rmSync(filler)
  const recovered = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(recovered.statusCode, 200, '/ready is 200 again once space is free')
  t.same(recovered.json(), { status: 'ok' })
  const after = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'after' } })
  t.equal(after.statusCode, 201, 'writes work again without a restart')
  t.match(after.json(), { title: 'after' })
})
