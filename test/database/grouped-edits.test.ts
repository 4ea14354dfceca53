// PUT /todo/:id and marks on PostgreSQL: one owner's edits, and the marks, that arrive together are made by one
// statement each, which locks its tasks first, in id order (marks: then their owners, in id order), and only then
// changes them. Each write must keep its own changes and conditions, and no two groups may ever deadlock.
import { test } from 'tap'
import type pg from 'pg'
import { postgresPoolOf } from '../../lib/database/database.js'
import { ADMIN, build, freshDatabaseUrl, loggedInAdmin, loggedInUser, onPostgres, onPostgresServer, type LoggedInUser, watchStatements } from '../helper.js'
import type { FastifyInstance } from 'fastify'

// The writes each grouped statement carried: edits (they lock the owner's tasks) or marks (they lock the owners too).
function watchGroupedEdits (pool: pg.Pool, kind: 'edits' | 'marks' = 'edits'): number[] {
  return watchStatements(pool, (text) => text.startsWith('with locked') && text.includes('owners as (') === (kind === 'marks'), 0)
}

async function createTasks (app: FastifyInstance, owner: LoggedInUser, count: number): Promise<Array<{ id: number, etag: string }>> {
  const tasks = []
  for (let n = 0; n < count; n++) {
    const created = await app.inject({ method: 'POST', url: '/todo', headers: owner.auth, payload: { title: `task ${n}`, description: `about ${n}`, due: '2027-03-01' } })
    tasks.push({ id: created.json().id as number, etag: created.headers.etag as string })
  }
  return tasks
}

test('edits of one owner at once: each keeps its own changes and If-Match; another user\'s task stays out of reach', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const tasks = await createTasks(app, alice, 5)
  const [bobs] = await createTasks(app, bob, 1)
  const [first, second, third, fourth, fifth] = tasks as Array<{ id: number, etag: string }>
  if (fifth === undefined || bobs === undefined || first === undefined || second === undefined || third === undefined || fourth === undefined) throw new Error('tasks')
  const pool = postgresPoolOf(app.db)
  const carried = pool === undefined ? [] : watchGroupedEdits(pool)

  const [titled, described, dated, matched, stale, foreign] = await Promise.all([
    app.inject({ method: 'PUT', url: `/todo/${first.id}`, headers: alice.auth, payload: { title: 'new title' } }),
    app.inject({ method: 'PUT', url: `/todo/${second.id}`, headers: alice.auth, payload: { description: '' } }),
    app.inject({ method: 'PUT', url: `/todo/${third.id}`, headers: alice.auth, payload: { due: '2027-04-01' } }),
    app.inject({ method: 'PUT', url: `/todo/${fourth.id}`, headers: { ...alice.auth, 'if-match': fourth.etag }, payload: { title: 'matched' } }),
    app.inject({ method: 'PUT', url: `/todo/${fifth.id}`, headers: { ...alice.auth, 'if-match': '"0"' }, payload: { title: 'stale' } }),
    app.inject({ method: 'PUT', url: `/todo/${bobs.id}`, headers: alice.auth, payload: { title: 'not hers' } })
  ])
  t.equal(titled.statusCode, 200)
  t.match(titled.json(), { id: first.id, title: 'new title', description: 'about 0', due: '2027-03-01T00:00:00.000Z' })
  t.equal(described.statusCode, 200)
  t.match(described.json(), { id: second.id, title: 'task 1', description: '', due: '2027-03-01T00:00:00.000Z' })
  t.equal(dated.statusCode, 200)
  t.match(dated.json(), { id: third.id, title: 'task 2', description: 'about 2', due: '2027-04-01T00:00:00.000Z' })
  t.equal(matched.statusCode, 200)
  t.match(matched.json(), { id: fourth.id, title: 'matched' })
  t.not(matched.headers.etag, fourth.etag, 'a new version')
  t.equal(stale.statusCode, 412)
  t.match(stale.json(), { statusCode: 412, code: 'precondition_failed' })
  t.equal(foreign.statusCode, 404)
  t.match(foreign.json(), { statusCode: 404, code: 'not_found' })
  const unchanged = await app.inject({ method: 'GET', url: `/todo/${fifth.id}`, headers: alice.auth })
  t.match(unchanged.json(), { title: 'task 4' }, 'the stale If-Match changed nothing')
  const bobsTask = await app.inject({ method: 'GET', url: `/todo/${bobs.id}`, headers: bob.auth })
  t.match(bobsTask.json(), { title: 'task 0', userId: bob.id }, 'another user\'s task is untouched')
  if (onPostgres) {
    // The race this test is about: several of alice's edits went in one statement.
    t.ok(carried.some((count) => count > 1), `an edit statement carried several tasks (carried ${carried.join(', ')})`)
  }
})

test('an owner\'s grouped edits and an admin\'s marks of the same tasks, in the opposite order, all succeed', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const tasks = await createTasks(app, alice, 8)
  const pool = postgresPoolOf(app.db)
  const carried = pool === undefined ? [] : watchGroupedEdits(pool)
  const rounds = 4
  for (let round = 0; round < rounds; round++) {
    const answers = await Promise.all([
      ...tasks.map(async ({ id }) => await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: `round ${round}` } })),
      ...[...tasks].reverse().map(async ({ id }) => await app.inject({ method: 'PUT', url: `/todo/mark/${id}/${(round + 1) % 2}`, headers: admin.auth }))
    ])
    t.same(answers.map((answer) => answer.statusCode), answers.map(() => 200), `round ${round}: every write answered 200`)
  }
  const rows = await app.db.selectFrom('tasks').select(['title', 'done', 'version']).execute()
  t.same(rows.map((row) => [row.title, row.done, Number(row.version)]), tasks.map(() => [`round ${rounds - 1}`, rounds % 2, 1 + 2 * rounds]), 'every edit and mark landed once')
  if (onPostgres) t.ok(carried.some((count) => count > 1), `edits went in groups beside the marks (carried ${carried.join(', ')})`)
})

test('an admin\'s marks at once: each answers its own task, a stale If-Match 412, a missing task 404', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const [a0, a1] = await createTasks(app, alice, 2)
  const [b0, b1] = await createTasks(app, bob, 2)
  if (a0 === undefined || a1 === undefined || b0 === undefined || b1 === undefined) throw new Error('tasks')
  const pool = postgresPoolOf(app.db)
  const carried = pool === undefined ? [] : watchGroupedEdits(pool, 'marks')
  const [doneA, doneB, undone, stale, missing] = await Promise.all([
    app.inject({ method: 'PUT', url: `/todo/mark/${a0.id}/1`, headers: admin.auth }),
    app.inject({ method: 'PUT', url: `/todo/mark/${b0.id}/1`, headers: { ...admin.auth, 'if-match': b0.etag } }),
    app.inject({ method: 'PUT', url: `/todo/mark/${a1.id}/0`, headers: admin.auth }),
    app.inject({ method: 'PUT', url: `/todo/mark/${b1.id}/1`, headers: { ...admin.auth, 'if-match': '"0"' } }),
    app.inject({ method: 'PUT', url: '/todo/mark/999999/1', headers: admin.auth })
  ])
  t.equal(doneA.statusCode, 200)
  t.match(doneA.json(), { id: a0.id, done: true, userId: alice.id, title: 'task 0' })
  t.equal(doneB.statusCode, 200)
  t.match(doneB.json(), { id: b0.id, done: true, userId: bob.id })
  t.equal(undone.statusCode, 200)
  t.match(undone.json(), { id: a1.id, done: false, title: 'task 1' })
  t.equal(stale.statusCode, 412)
  t.match(stale.json(), { statusCode: 412, code: 'precondition_failed' })
  t.equal(missing.statusCode, 404)
  t.match(missing.json(), { statusCode: 404, code: 'not_found' })
  t.match((await app.inject({ method: 'GET', url: `/todo/${b1.id}`, headers: bob.auth })).json(), { done: false }, 'the stale mark changed nothing')
  if (onPostgres) t.ok(carried.some((count) => count > 1), `a mark statement carried several tasks (carried ${carried.join(', ')})`)
})

test('two instances marking two owners\' tasks, each taking the owners in the other order, never deadlock', async (t) => {
  const url = await freshDatabaseUrl(t)
  const one = await build(t, { ...ADMIN, databaseUrl: url })
  const two = await build(t, { ...ADMIN, databaseUrl: url })
  const alice = await loggedInUser(one)
  const bob = await loggedInUser(one)
  const admin = await loggedInAdmin(one)
  // Ids in the order alice, bob, bob, alice: instance one marks the first two of every four (alice's task, then
  // bob's), instance two the last two (bob's, then alice's), so their groups meet the two owners in opposite orders.
  const quads = 4
  const oneMarks: number[] = []
  const twoMarks: number[] = []
  for (let quad = 0; quad < quads; quad++) {
    const [a] = await createTasks(one, alice, 1)
    const [b, c] = await createTasks(one, bob, 2)
    const [d] = await createTasks(one, alice, 1)
    oneMarks.push((a as { id: number }).id, (b as { id: number }).id)
    twoMarks.push((c as { id: number }).id, (d as { id: number }).id)
  }
  if (onPostgres) {
    // Every change of a user's row lasts 20 ms here, held under the row's lock: wide enough for the two groups to take
    // an owner each before either takes its second, which would deadlock if they took owners as they met them.
    await onPostgresServer(`create function slow_owner_change() returns trigger language plpgsql as $$
      begin perform pg_sleep(0.02); return null; end $$;
      create trigger slow_owner_change after update on users for each row execute function slow_owner_change()`, url)
  }
  const pools = [postgresPoolOf(one.db), postgresPoolOf(two.db)]
  const carried = pools.map((pool) => pool === undefined ? [] : watchGroupedEdits(pool, 'marks'))
  const rounds = 4
  for (let round = 0; round < rounds; round++) {
    const status = (round + 1) % 2
    const answers = await Promise.all([
      ...oneMarks.map(async (id) => await one.inject({ method: 'PUT', url: `/todo/mark/${id}/${status}`, headers: admin.auth })),
      ...twoMarks.map(async (id) => await two.inject({ method: 'PUT', url: `/todo/mark/${id}/${status}`, headers: admin.auth }))
    ])
    t.same(answers.map((answer) => answer.statusCode), answers.map(() => 200), `round ${round}: every mark answered 200`)
  }
  const rows = await one.db.selectFrom('tasks').select(['done', 'version']).execute()
  t.same(rows.map((row) => [row.done, Number(row.version)]), rows.map(() => [rounds % 2, 1 + rounds]), 'every mark landed once')
  if (onPostgres) {
    t.ok(carried.every((counts) => counts.some((count) => count > 1)), `both instances marked in groups (carried ${carried.map((counts) => counts.join(', ')).join(' / ')})`)
  }
})
