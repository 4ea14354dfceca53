// Every authenticated request reads its session and user; on PostgreSQL the reads of requests that arrive together
// share one query. Each request must still get its own user, and a revoked session must be refused among valid ones.
import { test } from 'tap'
import type pg from 'pg'
import { postgresPoolOf } from '../../lib/database/database.js'
import { build, loggedInUser, logIn, onPostgres, watchStatements } from '../helper.js'

// The sessions each of PostgreSQL's `= any($1)` session reads carried.
function countSessionReads (pool: pg.Pool): number[] {
  return watchStatements(pool, (text) => text.includes('= any(') && text.includes('"sessions"'), 0)
}

test('requests that arrive together each get their own user, and a revoked session among them is refused', async (t) => {
  const app = await build(t)
  const users = await Promise.all(Array.from({ length: 6 }, async () => await loggedInUser(app)))
  const ended = users[2]
  if (ended === undefined) throw new Error('six users')
  // A second session of one user, ended before the requests: its token must be refused while its owner's other works.
  const second = await logIn(app, ended.username, ended.password)
  const endedAuth = { authorization: `Bearer ${second.json().access_token}` }
  t.equal((await app.inject({ method: 'POST', url: '/logout?scope=local', headers: endedAuth })).statusCode, 204)

  const pool = postgresPoolOf(app.db)
  const carried = pool === undefined ? [] : countSessionReads(pool)
  const [refused, ...answers] = await Promise.all([
    app.inject({ method: 'GET', url: '/profile', headers: endedAuth }),
    ...users.map(async (user) => await app.inject({ method: 'GET', url: '/profile', headers: user.auth }))
  ])

  t.equal(refused?.statusCode, 401)
  t.match(refused?.json(), { statusCode: 401, code: 'token_revoked' })
  t.same(answers.map((answer) => answer.statusCode), users.map(() => 200))
  t.same(answers.map((answer) => answer.json().username), users.map((user) => user.username), 'each request answered as its own user')
  t.same(answers.map((answer) => answer.json().id), users.map((user) => user.id))
  if (onPostgres) {
    // The race this test is about: several requests' sessions were read by one query.
    t.ok(carried.some((count) => count > 1), `one read carried several sessions (reads carried ${carried.join(', ')})`)
    t.equal(carried.reduce((sum, count) => sum + count, 0), users.length + 1, 'each session read once')
  }
})
