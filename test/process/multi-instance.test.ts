// Two real server processes on two ports, one PostgreSQL database and one Redis: the service behaves as one.
import { test } from 'tap'
import { freshDatabaseUrl, onPostgres } from '../helper.js'
import { startServer, type RunningServer } from '../server-process.js'
import { cannotRun } from '../cannot-run.js'
import { redisServerMissing, startPrivateRedis } from '../private-redis.js'

// Only the PostgreSQL pass runs it; there, a redis-server of its own (never the shared one, nor its data).
const skip = onPostgres ? cannotRun('the multi-instance test', redisServerMissing) : 'runs in the PostgreSQL pass of npm test'
const AUTH_LIMIT = 10

async function call (server: RunningServer, method: string, path: string, { token, body }: { token?: string, body?: unknown } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

test('two instances share users, sessions, revocations and rate limits', { skip }, async (t) => {
  const redis = await startPrivateRedis(t)
  const env = {
    DATABASE_URL: await freshDatabaseUrl(t),
    REDIS_URL: redis.url,
    RATE_LIMIT_AUTH: String(AUTH_LIMIT),
    // The per-account failure throttle would answer first; this test is about the shared per-client limit.
    LOGIN_FAILURE_LIMIT: '0'
  }
  // Started one after the other: the first runs the migrations and makes the signing key, the second finds them.
  const a = await startServer(env)
  t.teardown(() => a.stop())
  const b = await startServer(env)
  t.teardown(() => b.stop())
  let logins = 0

  const registered = await call(a, 'POST', '/register', { body: { username: 'shared', password: 'a shared passphrase', name: 'Shared' } })
  t.equal(registered.status, 201)

  const login = await call(b, 'POST', '/login', { body: { username: 'shared', password: 'a shared passphrase' } })
  logins++
  t.equal(login.status, 200, 'a user registered through A logs in through B')
  const pair = login.body

  const onA = await call(a, 'GET', '/profile', { token: pair.access_token })
  t.equal(onA.status, 200, 'a token issued by B works on A')
  t.equal(onA.body.id, registered.body.id)
  t.same((await call(a, 'GET', '/.well-known/jwks.json')).body, (await call(b, 'GET', '/.well-known/jwks.json')).body, 'both publish the same keys')

  const secondSession = (await call(a, 'POST', '/login', { body: { username: 'shared', password: 'a shared passphrase' } })).body
  logins++
  t.equal((await call(a, 'POST', '/logout', { token: secondSession.access_token })).status, 204)
  const afterLogout = await call(b, 'GET', '/profile', { token: secondSession.access_token })
  t.equal(afterLogout.status, 401, 'a logout through A is refused on B at once')
  t.equal(afterLogout.body.code, 'token_revoked')

  const rotated = await call(a, 'POST', '/refresh', { body: { refresh_token: pair.refresh_token } })
  t.equal(rotated.status, 200)
  const reuse = await call(b, 'POST', '/refresh', { body: { refresh_token: pair.refresh_token } })
  t.equal(reuse.status, 401)
  t.equal(reuse.body.code, 'refresh_token_reused', 'B detects the reuse of a token spent on A')
  const revokedOnA = await call(a, 'GET', '/profile', { token: rotated.body.access_token })
  t.equal(revokedOnA.status, 401, 'and the session ends on A')
  t.equal(revokedOnA.body.code, 'token_revoked')

  // The /login limit counts requests to both instances together: AUTH_LIMIT in all, then 429 on either.
  const servers = [a, b]
  while (logins < AUTH_LIMIT) {
    const attempt = await call(servers[logins % 2] as RunningServer, 'POST', '/login', { body: { username: 'shared', password: 'wrong guess here' } })
    logins++
    t.equal(attempt.status, 401, `login ${logins} is still allowed`)
  }
  for (const server of servers) {
    const limited = await call(server, 'POST', '/login', { body: { username: 'shared', password: 'a shared passphrase' } })
    t.equal(limited.status, 429, `request ${AUTH_LIMIT + 1} is limited on ${server === a ? 'A' : 'B'}`)
    t.match(limited.body, { statusCode: 429, error: 'Too Many Requests', code: 'rate_limited' })
    t.ok(Number(limited.headers.get('retry-after')) > 0, 'with Retry-After')
  }
})
