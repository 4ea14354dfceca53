// No secret in any log line, at any level: the fault paths run with known secrets (a Redis that refuses the service's
// password, a PostgreSQL that cannot be used, tokens and passwords in request URLs), and every line the real server
// wrote is searched for them.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { test, type Test } from 'tap'
import { onPostgres } from '../helper.js'
import { freePort, runUntilExit, startServer } from '../server-process.js'
import { cannotRun } from '../cannot-run.js'
import { redisServerMissing, startPrivateRedis } from '../private-redis.js'

const skip = onPostgres ? 'runs in the SQLite pass of npm test' : cannotRun('the log redaction fault tests', redisServerMissing)

function secret (name: string): string {
  return `${name}-${randomBytes(6).toString('hex')}`
}

// A JWT-shaped token whose every part is recognisable in the output.
const TOKEN_SIGNATURE = secret('signature')
const TOKEN = `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsb2ctdGVzdCJ9.${TOKEN_SIGNATURE}`

function assertNoSecret (t: Test, output: string, secrets: Record<string, string>): void {
  const lines = output.split('\n').filter((line) => line.trim() !== '')
  t.ok(lines.length > 0, 'the server wrote log lines')
  for (const [name, value] of Object.entries(secrets)) {
    const leaking = lines.filter((line) => line.includes(value))
    t.same(leaking, [], `no log line carries ${name}`)
  }
}

test('Redis refusing the password, and tokens in request URLs: no secret in any log line at level trace', { skip }, async (t) => {
  const redisPassword = secret('redis-real')
  const sentPassword = secret('redis-sent')
  const redis = await startPrivateRedis(t, undefined, { password: redisPassword })
  const server = await startServer({
    DATABASE_URL: `sqlite:${t.testdir()}/app.db`,
    REDIS_URL: redis.url.replace('redis://', `redis://:${sentPassword}@`),
    LOG_LEVEL: 'trace',
    // The answers below are the point, not load shedding on a busy test machine.
    MAX_EVENT_LOOP_DELAY_MS: '0'
  })
  t.teardown(() => server.stop())

  const passwordInQuery = secret('query-password')
  const loginPassword = secret('login-password')
  const answers = await Promise.all([
    fetch(`${server.url}/todo?access_token=${TOKEN}`),
    fetch(`${server.url}/todo?cursor=abc&token=${TOKEN}`),
    fetch(`${server.url}/todo/ASC?password=${passwordInQuery}`),
    fetch(`${server.url}/profile?jwt=${TOKEN}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'someone', password: loginPassword }) })
  ])
  t.same(answers.map((answer) => answer.status), [400, 400, 400, 401, 401], 'each request was answered (and logged)')
  await Promise.all(answers.map(async (answer) => await answer.text()))
  const { output } = await server.stop()

  t.match(output, /"event":"redis_fallback"/, 'the Redis fault path ran and was logged')
  t.match(output, /"url":"\/todo\?access_token=\*\*\*"/, 'the request URL is logged with the token masked')
  assertNoSecret(t, output, { 'the Redis password sent': sentPassword, 'the token': TOKEN_SIGNATURE, 'the password in the query': passwordInQuery, 'the login password': loginPassword })
})

test('PostgreSQL that cannot be used at start: the exit names the database without its password', { skip }, async (t) => {
  const userinfoPassword = secret('pg-userinfo')
  const queryPassword = secret('pg-query')
  const closedPort = await freePort()
  const refused = await runUntilExit({ DATABASE_URL: `postgres://postgres:${userinfoPassword}@127.0.0.1:${closedPort}/app?password=${queryPassword}`, LOG_LEVEL: 'trace' })
  t.equal(refused.code, 1, 'a database that refuses connections stops the start')
  t.match(refused.output, /could not start/)
  assertNoSecret(t, refused.output, { 'the URL password': userinfoPassword, 'the query password': queryPassword })

  // The shared server (trust authentication) answers, but the database does not exist: PostgreSQL's own error path.
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 })
  const reachable = await probe.connect().then(() => true, () => false)
  await probe.end().catch(() => {})
  if (!reachable) {
    t.comment(`PostgreSQL at ${new URL(adminUrl).host} is not reachable: its error path is not run here`)
    return
  }
  const url = new URL(adminUrl)
  url.password = userinfoPassword
  url.pathname = `/no_such_database_${randomBytes(4).toString('hex')}`
  const missing = await runUntilExit({ DATABASE_URL: url.toString(), LOG_LEVEL: 'trace' })
  t.equal(missing.code, 1, 'a missing database stops the start')
  t.match(missing.output, /does not exist/, 'PostgreSQL\'s own message is logged')
  assertNoSecret(t, missing.output, { 'the URL password': userinfoPassword })
})
