// A write that PostgreSQL aborts to break a deadlock (here with an operator's transaction) or a serialization failure
// is worth retrying: the client gets 503 with Retry-After, never a 500.
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { build, freshDatabaseUrl, loggedInUser, onPostgres } from '../helper.js'

test('a PUT that PostgreSQL aborts in a deadlock with an operator\'s transaction answers 503 with Retry-After', { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }, async (t) => {
  const url = await freshDatabaseUrl(t)
  const app = await build(t, { databaseUrl: url })
  const alice = await loggedInUser(app)
  const id: number = (await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'before' } })).json().id
  const [operator, watcher] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })]
  for (const client of [operator, watcher]) {
    await client.connect()
    t.teardown(async () => await client.end())
  }

  // The operator holds alice's row, which the service's write takes (its owner's version) after the task's.
  await operator.query('begin')
  await operator.query('update users set name = name where id = $1', [alice.id])
  const put = app.inject({ method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: { title: 'by the service' } })
  let waiting = false
  for (let look = 0; look < 600 && !waiting; look++) {
    const { rows } = await watcher.query<{ count: string }>(`select count(*) from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and pid not in ($1, $2)`, [(operator as unknown as { processID: number }).processID, (watcher as unknown as { processID: number }).processID])
    waiting = Number(rows[0]?.count) > 0
    if (!waiting) await sleep(50)
  }
  t.ok(waiting, 'the service\'s write waits for the operator\'s row, holding its task')
  // Now the operator wants the task: a deadlock, which PostgreSQL breaks by aborting the write that waited first.
  await operator.query('update tasks set title = $1 where id = $2', ['by the operator', id])
  await operator.query('commit')

  const answer = await put
  t.equal(answer.statusCode, 503)
  t.match(answer.json(), { statusCode: 503, code: 'service_unavailable' })
  t.ok(Number(answer.headers['retry-after']) > 0, 'Retry-After')
  const task = await app.inject({ method: 'GET', url: `/todo/${id}`, headers: alice.auth })
  t.match(task.json(), { title: 'by the operator' }, 'the aborted write changed nothing')
})
