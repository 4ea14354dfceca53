// PUT /todo/:id on PostgreSQL: one owner's edits that arrive together are made by one statement, which locks the
// owner's tasks first, in id order, and only then moves the owner's version. Each edit must keep its own changes and
// conditions, and the group must never deadlock with the single-task writes of others (an admin marking the same tasks).
import { test } from 'tap'
import type pg from 'pg'
import { postgresPoolOf } from '../../lib/database.js'
import { ADMIN, build, loggedInAdmin, loggedInUser, onPostgres, type LoggedInUser } from '../helper.js'
import type { FastifyInstance } from 'fastify'

// The edits each grouped statement carried.
function watchGroupedEdits (pool: pg.Pool): number[] {
  const carried: number[] = []
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
  pool.query = ((config: unknown, ...rest: unknown[]) => {
    const { text, values } = (config ?? {}) as { text?: string, values?: unknown[] }
    if (typeof text === 'string' && text.startsWith('with locked')) carried.push((values?.[0] as unknown[]).length)
    return query(config, ...rest)
  }) as typeof pool.query
  return carried
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
