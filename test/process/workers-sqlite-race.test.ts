// Two admins demoting each other at the same moment through two workers, on SQLite (one file, two processes) and on
// PostgreSQL: never a 503 (SQLITE_BUSY), never both demoted; each round answers what one process would: one 200, and
// for the other 409 last_admin (its check ran after the first change) or 403 forbidden (it was already demoted when it
// arrived). The test counts the rounds where both requests were in the service at once (by the workers' log lines, or
// a 409 last_admin: the loser was still an admin when it arrived, and saw the winner's change), and needs some.
import { Agent } from 'node:http'
import { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { connectionPerWorker, send, startWorkerService, type LogLine, type WorkerService } from '../worker-service.js'

const ROUNDS = 20
// Rounds go on past ROUNDS, up to MAX_ROUNDS, until this many of them raced.
const RACED_ROUNDS = 3
const MAX_ROUNDS = 80
const ADMIN = { username: 'operator', password: 'the operator\'s admin passphrase' }

async function logIn (service: WorkerService, agent: Agent, username: string, password: string): Promise<{ token: string, id: string }> {
  const answer = await send(service, agent, 'POST', '/login', { body: { username, password } })
  if (answer.status !== 200 || answer.body.access_token === undefined) throw new Error(`login ${username}: ${answer.status}`)
  const profile = await send(service, agent, 'GET', '/profile', { token: answer.body.access_token })
  return { token: answer.body.access_token, id: profile.body.id ?? '' }
}

// Both requests had reached the service before either was answered, by the workers' own log lines (one clock).
function overlapped (lines: LogLine[], requestIds: string[]): boolean {
  const times = (message: string) => requestIds.map((id) => lines.find((line) => line.reqId === id && line.msg === message)?.time as number)
  const received = times('incoming request')
  const answered = times('request completed')
  return Math.max(...received) <= Math.min(...answered)
}

test('two admins demoting each other at once through two workers: one wins, never 503, never no admin', async (t) => {
  const service = await startWorkerService({
    DATABASE_URL: await freshDatabaseUrl(t),
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_AUTH: '0',
    RATE_LIMIT_GLOBAL: '100000000',
    MAX_EVENT_LOOP_DELAY_MS: '0'
  })
  t.teardown(() => service.stop())
  const connections = await connectionPerWorker(service)
  t.teardown(() => connections.forEach((connection) => connection.agent.destroy()))
  const setup = new Agent({ keepAlive: false })
  t.teardown(() => setup.destroy())

  // Two admins, alice and bob, and no other active admin: the operator is demoted by alice.
  const operator = await logIn(service, setup, ADMIN.username, ADMIN.password)
  const admins = []
  for (const username of ['alice', 'bob']) {
    const password = `${username} passphrase for the race`
    const registered = await send(service, setup, 'POST', '/register', { body: { username, password, name: username } })
    t.equal(registered.status, 201)
    t.equal((await send(service, setup, 'PATCH', `/users/${registered.body.id ?? ''}`, { token: operator.token, body: { role: 'admin' } })).status, 200)
    admins.push(await logIn(service, setup, username, password))
  }
  const [alice, bob] = admins as [{ token: string, id: string }, { token: string, id: string }]
  t.equal((await send(service, setup, 'PATCH', `/users/${operator.id}`, { token: alice.token, body: { role: 'normal' } })).status, 200, 'the operator is demoted')

  let raced = 0
  let round = 0
  while (round < ROUNDS || (raced < RACED_ROUNDS && round < MAX_ROUNDS)) {
    round++
    // alice demotes bob on one worker while bob demotes alice on the other.
    const [byAlice, byBob] = await Promise.all([
      send(service, connections[0].agent, 'PATCH', `/users/${bob.id}`, { token: alice.token, body: { role: 'normal' } }),
      send(service, connections[1].agent, 'PATCH', `/users/${alice.id}`, { token: bob.token, body: { role: 'normal' } })
    ])
    t.not(byAlice.worker, byBob.worker, `round ${round}: on two workers`)
    if (overlapped(service.logLines(), [byAlice.requestId, byBob.requestId]) || [byAlice, byBob].some((answer) => answer.status === 409)) raced++
    const outcome = [byAlice, byBob].map((answer) => `${answer.status} ${answer.body.code ?? ''}`.trim())
    const winners = [byAlice, byBob].filter((answer) => answer.status === 200)
    const loser = [byAlice, byBob].find((answer) => answer.status !== 200)
    if (!t.ok(winners.length === 1 && loser !== undefined && ((loser.status === 409 && loser.body.code === 'last_admin') || (loser.status === 403 && loser.body.code === 'forbidden')),
      `round ${round}: one 200, the other 409 last_admin or 403 forbidden (${outcome.join(', ')})`)) break
    // The winner promotes the other again for the next round.
    const [winner, demoted] = winners[0] === byAlice ? [alice, bob] : [bob, alice]
    t.equal((await send(service, setup, 'PATCH', `/users/${demoted.id}`, { token: winner.token, body: { role: 'admin' } })).status, 200, `round ${round}: promoted again`)
  }
  t.ok(raced >= RACED_ROUNDS, `the race happened: in ${raced} of ${round} rounds both requests were in the service at once`)
  t.notMatch(service.output(), /SQLITE_BUSY|"statusCode":503/, 'no SQLITE_BUSY, no 503 in the log')
})
