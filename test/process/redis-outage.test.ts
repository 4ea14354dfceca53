// A real server with a private Redis that the test stalls (SIGSTOP), resumes and kills: no request waits on Redis
// for long, the limits keep counting in the process while it is away (never off), counting is shared again once it
// answers, each switch is logged once and shown in /metrics, and a malformed REDIS_URL is refused at start.
import { test, type Test } from 'tap'
import { onPostgres } from '../helper.js'
import { freePort, runUntilExit, startServer, type RunningServer } from '../server-process.js'
import { cannotRun } from '../cannot-run.js'
import { redisServerMissing, startPrivateRedis } from '../private-redis.js'

// The service's own bound is one command timeout (1 s); this leaves room for a slow, busy test machine.
const ANSWER_BOUND_MS = 6000
// Nothing here depends on the database engine: one pass of npm test is enough.
const skip = onPostgres ? 'runs in the SQLite pass of npm test' : cannotRun('the Redis outage tests', redisServerMissing)

// One proxy hop is trusted, so each phase can be a client of its own (X-Forwarded-For) with fresh allowances.
const limits = { RATE_LIMIT_AUTH: '3', LOGIN_FAILURE_LIMIT: '2', RATE_LIMIT_GLOBAL: '1000', LOG_LEVEL: 'info', TRUST_PROXY: '1' }

async function timed (server: RunningServer, client: string, path: string, body: unknown) {
  const started = Date.now()
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  })
  const answer = await response.json() as { code?: string, message?: string }
  return { status: response.status, body: answer, retryAfter: response.headers.get('retry-after'), ms: Date.now() - started }
}

async function fallbackGauge (server: RunningServer): Promise<string | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  return /^rate_limit_store_fallback (\d)$/m.exec(text)?.[1]
}

async function waitForGauge (server: RunningServer, value: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await fallbackGauge(server) === value) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

const occurrences = (text: string, event: string) => text.split(`"event":"${event}"`).length - 1

// The login throttle (2 failures) and the /refresh limit (3 a minute) of one client, each answer within the bound.
async function assertLimitsHold (t: Test, server: RunningServer, client: string) {
  const username = `victim-${client}`
  const logins = []
  for (let i = 0; i < 3; i++) logins.push(await timed(server, client, '/login', { username, password: `wrong guess ${i}` }))
  t.same(logins.map((answer) => answer.status), [401, 401, 429], 'the login throttle still stops guessing')
  t.equal(logins[2]?.body.code, 'rate_limited')
  t.ok(Number(logins[2]?.retryAfter) > 0, 'with Retry-After')
  const refreshes = []
  for (let i = 0; i < 4; i++) refreshes.push(await timed(server, client, '/refresh', { refresh_token: 'not-a-real-refresh-token' }))
  t.same(refreshes.map((answer) => answer.status), [401, 401, 401, 429], 'RATE_LIMIT_AUTH still applies')
  t.same(refreshes[3]?.body, { statusCode: 429, error: 'Too Many Requests', message: refreshes[3]?.body.message, code: 'rate_limited' })
  const slowest = Math.max(...[...logins, ...refreshes].map((answer) => answer.ms))
  t.ok(slowest < ANSWER_BOUND_MS, `every answer within ${ANSWER_BOUND_MS} ms (slowest ${slowest} ms)`)
}

test('Redis stalled, resumed and killed: limits fall back to the process, never off, and come back shared', { skip }, async (t) => {
  const redis = await startPrivateRedis(t)
  const server = await startServer({ ...limits, DATABASE_URL: `sqlite:${t.testdir()}/app.db`, REDIS_URL: redis.url })
  t.teardown(() => server.stop())
  const inspect = redis.client()
  t.equal(await fallbackGauge(server), '0', 'shared counting at first')

  redis.stall()
  await assertLimitsHold(t, server, '198.51.100.1')
  t.equal(await fallbackGauge(server), '1', '/metrics shows the fallback while Redis is stalled')

  redis.resume()
  t.ok(await waitForGauge(server, '0'), 'back to shared counting once Redis answers, without a restart')
  const key = 'todo-rate-limit-auth:/refresh:198.51.100.9'
  t.equal((await timed(server, '198.51.100.9', '/refresh', { refresh_token: 'another-unknown-token' })).status, 401)
  t.equal(await inspect.get(key), '1', 'the request was counted in Redis again')
  const before = Number(await inspect.get(key) ?? 0)
  t.equal((await timed(server, '198.51.100.9', '/refresh', { refresh_token: 'another-unknown-token' })).status, 401)
  t.equal(Number(await inspect.get(key)), before + 1, 'and the next one too')

  await redis.kill()
  await assertLimitsHold(t, server, '198.51.100.2')
  t.equal(await fallbackGauge(server), '1', '/metrics shows the fallback while Redis is down')

  const output = server.output()
  t.equal(occurrences(output, 'redis_fallback'), 2, 'each switch to the fallback is logged once (stall, then kill)')
  t.equal(occurrences(output, 'redis_recovered'), 1, 'the recovery is logged once')
})

test('REDIS_URL unreachable from the start: the service starts, the limits are enforced in the process, and Redis is used once it comes', { skip }, async (t) => {
  const port = await freePort()
  const server = await startServer({ ...limits, DATABASE_URL: `sqlite:${t.testdir()}/app.db`, REDIS_URL: `redis://127.0.0.1:${port}/0` })
  t.teardown(() => server.stop())
  await assertLimitsHold(t, server, '198.51.100.3')
  t.equal(await fallbackGauge(server), '1')
  await startPrivateRedis(t, port)
  t.ok(await waitForGauge(server, '0'), 'shared counting starts when Redis appears, without a restart')
})

test('a malformed REDIS_URL is refused at start, naming the variable', { skip: onPostgres ? 'runs in the SQLite pass of npm test' : false }, async (t) => {
  for (const url of ['not a url', 'http://cache:6379', 'redis://', 'redis://cache:6379/zero']) {
    const exit = await runUntilExit({ DATABASE_URL: 'sqlite::memory:', REDIS_URL: url })
    t.equal(exit.code, 1, `${url}: exit code 1`)
    t.match(exit.output, /Invalid configuration: REDIS_URL must be a URL like redis:\/\/host:6379\/0/, `${url}: the message names REDIS_URL`)
  }
})
