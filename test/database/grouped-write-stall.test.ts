// A grouped write that waits on a row held elsewhere (an operator's transaction) is bounded by its statement's
// timeout and answers 503 with Retry-After; a write of the same task that arrived meanwhile waits for that group
// (one group in flight per owner, lib/database/grouped-writes.ts), then has bounds of its own: 503 too, never a hang.
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { postgresPoolOf } from '../../lib/database/database.js'
import { build, freshDatabaseUrl, loggedInUser, onPostgres, watchStatements } from '../helper.js'

test('two edits of a task held by an operator: the second waits for the first group, both answer 503, nothing changes', { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }, async (t) => {
  const url = await freshDatabaseUrl(t)
  const app = await build(t, { databaseUrl: url })
  const alice = await loggedInUser(app)
  const created = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'before' } })
  const id: number = created.json().id
  const operator = new pg.Client({ connectionString: url })
  await operator.connect()
  t.teardown(async () => await operator.end())
  const pool = postgresPoolOf(app.db)
  if (pool === undefined) throw new Error('a PostgreSQL pool')
  const sent: number[] = []
  const carried = watchStatements(pool, (text) => text.startsWith('with locked'), 0, async () => { sent.push(Date.now()) })

  await operator.query('begin')
  await operator.query('select id from tasks where id = $1 for update', [id])
  const edit = async (title: string) => {
    const answer = await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title } })
    return { answer, at: Date.now() }
  }
  const first = edit('first edit')
  while (sent.length === 0) await sleep(10)
  const second = edit('second edit')
  const answers = await Promise.all([first, second])
  await operator.query('rollback')

  t.same(carried, [1, 1], 'two groups of one edit each')
  t.ok((sent[1] ?? 0) >= answers[0].at - 50, 'the second group was sent once the first had failed')
  for (const [n, { answer }] of answers.entries()) {
    t.equal(answer.statusCode, 503, `edit ${n + 1}: 503`)
    t.same(answer.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer; try again shortly', code: 'service_unavailable' })
    t.ok(Number(answer.headers['retry-after']) > 0, `edit ${n + 1}: Retry-After`)
  }
  const task = await app.inject({ method: 'GET', url: `/todo/${id}`, headers: alice.auth })
  t.equal(task.statusCode, 200)
  t.match(task.json(), { id, title: 'before' }, 'neither edit changed the task')
  t.equal(task.headers.etag, created.headers.etag, 'nor its version')
})
