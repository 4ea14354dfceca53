// Revocations reach every worker at once, also on keep-alive connections that are already open (whose last token a
// worker remembers per connection, lib/auth/verified-tokens.ts): a logout, a password change, a disable or a demotion made
// through one worker refuses the very next request on an open connection to each worker (README: 401 token_revoked,
// 403 account_disabled for a disabled user, 403 forbidden on an admin route after a demotion).
import { Agent } from 'node:http'
import { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { connectionPerWorker, send, startWorkerService, type Answer, type Connection, type WorkerService } from '../worker-service.js'

const ADMIN = { username: 'operator', password: 'the operator\'s admin passphrase' }

async function register (service: WorkerService, agent: Agent, username: string, password: string): Promise<string> {
  const answer = await send(service, agent, 'POST', '/register', { body: { username, password, name: username } })
  if (answer.status !== 201 || answer.body.id === undefined) throw new Error(`register ${username}: ${answer.status}`)
  return answer.body.id
}

async function logIn (service: WorkerService, agent: Agent, username: string, password: string): Promise<string> {
  const answer = await send(service, agent, 'POST', '/login', { body: { username, password } })
  if (answer.status !== 200 || answer.body.access_token === undefined) throw new Error(`login ${username}: ${answer.status}`)
  return answer.body.access_token
}

test('a logout, password change, disable or demotion through one worker is enforced on the next request on open connections to both', async (t) => {
  const service = await startWorkerService({
    DATABASE_URL: await freshDatabaseUrl(t),
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    RATE_LIMIT_AUTH: '0',
    LOGIN_FAILURE_LIMIT: '0',
    MAX_EVENT_LOOP_DELAY_MS: '0'
  })
  t.teardown(() => service.stop())
  const [first, second] = await connectionPerWorker(service)
  t.teardown(() => { first.agent.destroy(); second.agent.destroy() })
  t.not(first.worker, second.worker, `one connection on worker ${first.worker}, one on worker ${second.worker}`)
  const setup = new Agent({ keepAlive: false })
  const adminToken = await logIn(service, setup, ADMIN.username, ADMIN.password)

  // Both open connections answer with the token (so each worker has it remembered on that connection), the change
  // goes through `via`, then the very next request on each connection must get `expected`.
  async function check (label: string, token: string, path: string, change: (via: Connection) => Promise<Answer>, via: Connection, expected: { status: number, code: string }): Promise<void> {
    for (const connection of [first, second]) {
      const answer = await send(service, connection.agent, 'GET', path, { token })
      t.equal(answer.status, 200, `${label}: ${path} answers 200 on worker ${connection.worker} before`)
    }
    const changed = await change(via)
    t.ok(changed.status >= 200 && changed.status < 300, `${label} through worker ${via.worker}: ${changed.status}`)
    for (const connection of [first, second]) {
      const answer = await send(service, connection.agent, 'GET', path, { token })
      t.equal(answer.status, expected.status, `${label}: the next request on the open connection to worker ${connection.worker} answers ${expected.status}`)
      t.ok(answer.reusedSocket && answer.worker === connection.worker, `${label}: on the same connection, to the same worker`)
      t.equal(answer.body.code, expected.code, `${label}: code ${expected.code}`)
    }
  }

  await register(service, setup, 'leaving', 'leaving passphrase one')
  const leaving = await logIn(service, setup, 'leaving', 'leaving passphrase one')
  await check('logout', leaving, '/profile', async (via) => await send(service, via.agent, 'POST', '/logout', { token: leaving }), second, { status: 401, code: 'token_revoked' })

  await register(service, setup, 'changing', 'changing passphrase one')
  const otherSession = await logIn(service, setup, 'changing', 'changing passphrase one')
  const changingSession = await logIn(service, setup, 'changing', 'changing passphrase one')
  await check('password change', otherSession, '/profile', async (via) => await send(service, via.agent, 'PUT', '/profile/password', {
    token: changingSession, body: { currentPassword: 'changing passphrase one', newPassword: 'changing passphrase two' }
  }), first, { status: 401, code: 'token_revoked' })

  const disabledId = await register(service, setup, 'disabled', 'disabled passphrase one')
  const disabled = await logIn(service, setup, 'disabled', 'disabled passphrase one')
  await check('disable', disabled, '/todo', async (via) => await send(service, via.agent, 'PATCH', `/users/${disabledId}`, { token: adminToken, body: { disabled: true } }), second, { status: 403, code: 'account_disabled' })

  const demotedId = await register(service, setup, 'demoted', 'demoted passphrase one')
  t.equal((await send(service, setup, 'PATCH', `/users/${demotedId}`, { token: adminToken, body: { role: 'admin' } })).status, 200, 'promoted first')
  const demoted = await logIn(service, setup, 'demoted', 'demoted passphrase one')
  await check('demotion', demoted, '/admin_only', async (via) => await send(service, via.agent, 'PATCH', `/users/${demotedId}`, { token: adminToken, body: { role: 'normal' } }), first, { status: 403, code: 'forbidden' })
  setup.destroy()
})
