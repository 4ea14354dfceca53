// GET /metrics on the real app: Prometheus text, no token needed, never rate limited, and real outcomes counted.
import type { FastifyInstance } from 'fastify'
import { test } from 'tap'
import { ADMIN, build, loggedInAdmin, loggedInUser, logIn, onPostgres } from '../helper.js'

function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

async function scrape (app: FastifyInstance): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`GET /metrics: ${response.statusCode}`)
  return response.body
}

test('GET /metrics answers Prometheus text to anyone, with HELP and TYPE lines', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  for (const name of ['http_requests_total', 'http_request_duration_seconds', 'auth_logins_total', 'auth_refresh_token_reuse_total', 'rate_limit_rejections_total']) {
    t.match(response.body, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} has HELP`)
    t.match(response.body, new RegExp(`^# TYPE ${name} (counter|histogram)$`, 'm'), `${name} has TYPE`)
  }
  t.notMatch(response.body, /Bearer |eyJ/, 'no token of any kind')

  const withBadToken = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer a.b.c' } })
  t.equal(withBadToken.statusCode, 200, 'a token is neither needed nor checked')
})

test('real logins, a refresh-token reuse and requests by route show up', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app, 'alice')
  await logIn(app, 'alice', 'a wrong password')
  await logIn(app, 'nobody-at-all', 'a wrong password')
  const admin = await loggedInAdmin(app)
  await app.inject({ method: 'PATCH', url: `/users/${alice.id}`, headers: admin.auth, payload: { disabled: true } })
  await logIn(app, 'alice', alice.password)

  const task = await app.inject({ method: 'POST', url: '/todo', headers: admin.auth, payload: { title: 'Count me' } })
  await app.inject({ method: 'GET', url: `/todo/${task.json().id}`, headers: admin.auth })
  await app.inject({ method: 'GET', url: '/todo/999999', headers: admin.auth })

  const first = await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: admin.refreshToken } })
  t.equal(first.statusCode, 200)
  const reused = await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: admin.refreshToken } })
  t.equal(reused.json().code, 'refresh_token_reused')

  const text = await scrape(app)
  t.equal(sample(text, 'auth_logins_total{result="success"}'), 2, 'alice, then the admin')
  t.equal(sample(text, 'auth_logins_total{result="invalid_credentials"}'), 2, 'a wrong password and an unknown user')
  t.equal(sample(text, 'auth_logins_total{result="account_disabled"}'), 1)
  t.equal(sample(text, 'auth_refresh_token_reuse_total'), 1)
  t.equal(sample(text, 'http_requests_total{method="GET",route="/todo/:id",status_code="200"}'), 1)
  t.equal(sample(text, 'http_requests_total{method="GET",route="/todo/:id",status_code="404"}'), 1)
  t.equal(sample(text, 'http_requests_total{method="PATCH",route="/users/:id",status_code="200"}'), 1)
  t.equal(sample(text, 'http_requests_total{method="POST",route="/login",status_code="401"}'), 2)
})

test('a rate-limit rejection is counted by route', async (t) => {
  const app = await build(t, { rateLimitAuth: 2 })
  const statuses: number[] = []
  for (let index = 0; index < 3; index++) statuses.push((await logIn(app, 'nobody', 'a wrong password')).statusCode)
  t.same(statuses, [401, 401, 429])
  const text = await scrape(app)
  t.equal(sample(text, 'rate_limit_rejections_total{route="/login"}'), 1)
  t.equal(sample(text, 'auth_logins_total{result="invalid_credentials"}'), 2, 'a refused request is no login attempt')
  t.equal(sample(text, 'http_requests_total{method="POST",route="/login",status_code="429"}'), 1)
})

test('GET /metrics is never rate limited', async (t) => {
  const app = await build(t, { rateLimitGlobal: 3 })
  const statuses: number[] = []
  for (let index = 0; index < 8; index++) statuses.push((await app.inject({ method: 'GET', url: '/metrics' })).statusCode)
  t.same(statuses, Array(8).fill(200))
})

test('the database pool is reported on PostgreSQL', { skip: !onPostgres && 'PostgreSQL run only' }, async (t) => {
  const app = await build(t, { databasePoolSize: 7 })
  await app.inject({ method: 'GET', url: '/ready' })
  const text = await scrape(app)
  t.equal(sample(text, 'db_pool_max_connections'), 7)
  t.ok((sample(text, 'db_pool_connections') ?? 0) >= 1, 'at least one connection open')
  t.ok((sample(text, 'db_pool_idle_connections') ?? -1) >= 0)
  t.equal(sample(text, 'db_pool_waiting_requests'), 0)
})

test('SQLite reports no pool', { skip: onPostgres && 'SQLite run only' }, async (t) => {
  const app = await build(t)
  t.notMatch(await scrape(app), /db_pool_/)
})
