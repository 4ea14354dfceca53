// POST /todo on PostgreSQL: one owner's new tasks that arrive together are inserted by one statement. Each request
// must still get its own task, every task must be stored once with its owner, and the owner's version must move.
import { test } from 'tap'
import type pg from 'pg'
import { postgresPoolOf } from '../../lib/database/database.js'
import { build, loggedInUser, onPostgres, watchStatements } from '../helper.js'

// The rows each grouped insert carried, and a hook run before each one is sent.
function watchGroupedInserts (pool: pg.Pool, before?: () => Promise<void>): number[] {
  return watchStatements(pool, (text) => text.startsWith('insert into "tasks"') && text.includes('unnest('), 1, before)
}

test('POSTs of two owners at once: each answered with its own task, stored once, and each owner\'s page shows them', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const before = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  const pool = postgresPoolOf(app.db)
  const carried = pool === undefined ? [] : watchGroupedInserts(pool)

  const bodies = Array.from({ length: 24 }, (_, n) => ({ owner: n % 3 === 0 ? bob : alice, payload: { title: `task ${n}`, description: `about ${n}`, due: `2027-01-${String(n + 1).padStart(2, '0')}` } }))
  const answers = await Promise.all(bodies.map(async ({ owner, payload }) => await app.inject({ method: 'POST', url: '/todo', headers: owner.auth, payload })))

  t.same(answers.map((answer) => answer.statusCode), bodies.map(() => 201))
  answers.forEach((answer, n) => {
    const { owner, payload } = bodies[n] as typeof bodies[number]
    t.match(answer.json(), { ...payload, userId: owner.id, done: false }, `request ${n} got its own task`)
    t.equal(answer.headers.location, `/todo/${answer.json().id as number}`)
  })
  t.equal(new Set(answers.map((answer) => answer.json().id)).size, bodies.length, 'every task has an id of its own')
  const stored = await app.db.selectFrom('tasks').select(['id', 'user_id', 'title']).orderBy('id').execute()
  t.same(stored.map((row) => [row.id, row.user_id, row.title]).sort(), answers.map((answer) => [answer.json().id, answer.json().userId, answer.json().title]).sort(), 'stored once each, with its owner')

  const after = await app.inject({ method: 'GET', url: '/todo?limit=100', headers: { ...alice.auth, 'if-none-match': before.headers.etag as string } })
  t.equal(after.statusCode, 200, 'the page cached before the POSTs is not current')
  t.same(after.json().map((task: { title: string }) => task.title).sort(), bodies.filter(({ owner }) => owner === alice).map(({ payload }) => payload.title).sort())
  if (onPostgres) {
    // The race this test is about: one owner's POSTs went into the database together.
    t.ok(carried.some((count) => count > 1), `an insert carried several tasks (inserts carried ${carried.join(', ')})`)
    t.equal(carried.reduce((sum, count) => sum + count, 0), bodies.length, 'each task inserted once')
  }
})

test('an owner deleted while their POSTs are being inserted: every one answers 401 invalid_token, nothing is stored', { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }, async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const pool = postgresPoolOf(app.db) as pg.Pool
  let deleted = false
  // After the session reads let the requests in, before their insert: the owner is gone.
  watchGroupedInserts(pool, async () => {
    if (deleted) return
    deleted = true
    await app.db.deleteFrom('users').where('id', '=', alice.id).execute()
  })
  const answers = await Promise.all(Array.from({ length: 5 }, async (_, n) =>
    await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: `late ${n}` } })))
  t.ok(deleted, 'the owner was deleted between the session read and the insert')
  t.same(answers.map((answer) => answer.statusCode), [401, 401, 401, 401, 401])
  for (const answer of answers) t.match(answer.json(), { statusCode: 401, code: 'invalid_token' })
  t.equal((await app.db.selectFrom('tasks').select('id').execute()).length, 0, 'nothing stored')
})
