// A PostgreSQL that stops answering (every process of its cluster stopped with SIGSTOP): requests get 503 with
// Retry-After within a bound instead of hanging, /ready says 503 quickly, and all is well again after SIGCONT.
import pg from 'pg'
import { test } from 'tap'
import { startServer } from '../server-process.js'
import { cannotRun } from '../cannot-run.js'
import { privatePostgresUnavailable, startPrivatePostgres } from '../private-postgres.js'

const unavailable = cannotRun('the PostgreSQL stall test', privatePostgresUnavailable())

interface Timed { status: number, retryAfter: string | null, body: unknown, ms: number }

// A request with a bound far above the service's own, so a hang shows up as a failure instead of a stuck test.
async function timed (url: string, init: RequestInit = {}): Promise<Timed> {
  const started = Date.now()
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) })
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json(), ms: Date.now() - started }
  } catch (error) {
    return { status: 0, retryAfter: null, body: String(error), ms: Date.now() - started }
  }
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }
})

test('a stalled PostgreSQL answers 503 with Retry-After within a bound, and recovers without a restart', { skip: unavailable }, async (t) => {
  const postgres = await startPrivatePostgres()
  t.teardown(() => postgres.stop())
  const server = await startServer({ DATABASE_URL: postgres.url, RATE_LIMIT_AUTH: '0', MAX_EVENT_LOOP_DELAY_MS: '0' })
  t.teardown(() => server.stop())

  const credentials = { username: 'stall-user', password: 'a long enough passphrase' }
  t.equal((await timed(`${server.url}/register`, json({ ...credentials, name: 'Stall' }))).status, 201)
  const login = await timed(`${server.url}/login`, json(credentials))
  t.equal(login.status, 200)
  const auth = { authorization: `Bearer ${(login.body as { access_token: string }).access_token}` }
  t.equal((await timed(`${server.url}/todo`, json({ title: 'before the stall' }, auth))).status, 201)

  postgres.stall()
  // The listing goes first, so it gets the pool's idle connection, whose query the frozen server never answers.
  const [list, create, relogin, ready] = await Promise.all([
    timed(`${server.url}/todo`, { headers: auth }),
    timed(`${server.url}/todo`, json({ title: 'during the stall' }, auth)),
    timed(`${server.url}/login`, json(credentials)),
    timed(`${server.url}/ready`)
  ])
  const health = await timed(`${server.url}/health`)
  postgres.resume()

  t.equal(ready.status, 503, `/ready says 503 (after ${ready.ms} ms)`)
  t.same(ready.body, { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer', code: 'service_unavailable' })
  t.ok(ready.ms < 5_000, `/ready answered within 5 s (${ready.ms} ms)`)
  for (const [name, answer] of Object.entries({ 'GET /todo': list, 'POST /todo': create, 'POST /login': relogin })) {
    t.equal(answer.status, 503, `${name} answers 503 (after ${answer.ms} ms)`)
    t.same(answer.body, { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer; try again shortly', code: 'service_unavailable' }, name)
    t.equal(answer.retryAfter, '5', `${name} carries Retry-After`)
    t.ok(answer.ms < 10_000, `${name} answered within 10 s (${answer.ms} ms)`)
  }
  t.equal(health.status, 200, 'liveness does not depend on the database')

  // Recovery without a restart: /ready and the data routes answer again once the cluster runs.
  let recovered = await timed(`${server.url}/ready`)
  for (let attempt = 0; attempt < 40 && recovered.status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    recovered = await timed(`${server.url}/ready`)
  }
  t.equal(recovered.status, 200, '/ready is 200 again')
  t.same(recovered.body, { status: 'ok' })
  const after = await timed(`${server.url}/todo`, { headers: auth })
  t.equal(after.status, 200, 'GET /todo works again')
  t.same((after.body as Array<{ title: string }>).map((task) => task.title), ['before the stall'], 'nothing written during the stall, nothing lost before it')
  t.equal((await timed(`${server.url}/todo`, json({ title: 'after the stall' }, auth))).status, 201, 'writes work again')

  // A server that takes no writes (as a standby does): /ready 503 and writes 503, reads still served.
  const setReadOnly = async (on: boolean) => {
    const admin = new pg.Client({ connectionString: postgres.url })
    await admin.connect()
    await admin.query(`alter system set default_transaction_read_only = ${on ? 'on' : 'off'}`)
    await admin.query('select pg_reload_conf()')
    await admin.end()
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  await setReadOnly(true)
  const readOnlyReady = await timed(`${server.url}/ready`)
  t.equal(readOnlyReady.status, 503, '/ready says 503 while the database takes no writes')
  const readOnlyWrite = await timed(`${server.url}/todo`, json({ title: 'read-only' }, auth))
  t.equal(readOnlyWrite.status, 503, 'a write answers 503, not 500')
  t.same(readOnlyWrite.body, { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer; try again shortly', code: 'service_unavailable' })
  t.equal((await timed(`${server.url}/todo`, { headers: auth })).status, 200, 'reads are still served')
  await setReadOnly(false)
  t.equal((await timed(`${server.url}/ready`)).status, 200, '/ready is 200 once writes are taken again')
})
