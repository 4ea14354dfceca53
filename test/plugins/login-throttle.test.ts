// LOGIN_FAILURE_LIMIT: failed logins per username and client address; the real user elsewhere is never locked out;
// concurrent guesses never get more answers than the limit, in one process or several sharing Redis.
import { test, type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { ApiError } from '../../lib/api-error.js'
import { build, freshDatabaseUrl, registerUser } from '../helper.js'
import { redisServerMissing, startPrivateRedis } from '../private-redis.js'

const WINDOW_SECONDS = 15 * 60

async function login (app: FastifyInstance, username: string, password: string, ip: string) {
  return await app.inject({ method: 'POST', url: '/login', payload: { username, password }, headers: { 'x-forwarded-for': ip } })
}

test('after LOGIN_FAILURE_LIMIT failures for one username from one address, that pair gets 429', async (t) => {
  const app = await build(t, { loginFailureLimit: 3, trustProxy: true })
  const victim = await registerUser(app, 'victim')
  const attacker = '198.51.100.7'

  for (let i = 1; i <= 3; i++) {
    const response = await login(app, 'victim', `guess number ${i}`, attacker)
    t.equal(response.statusCode, 401, `failure ${i}`)
    t.match(response.json(), { code: 'invalid_credentials' })
  }
  const throttled = await login(app, 'victim', victim.password, attacker)
  t.equal(throttled.statusCode, 429, 'even the right password is not tried from that address')
  t.same(throttled.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Too many failed logins for this account from your address; try again later', code: 'rate_limited' })
  const retryAfter = Number(throttled.headers['retry-after'])
  t.ok(retryAfter > WINDOW_SECONDS - 60 && retryAfter <= WINDOW_SECONDS, `Retry-After ${retryAfter} s`)

  const owner = await login(app, 'VICTIM', victim.password, '203.0.113.50')
  t.equal(owner.statusCode, 200, 'the real user, from their own address, logs in')
  t.match(owner.json(), { token_type: 'Bearer' })

  const otherAccount = await registerUser(app, 'bystander')
  t.equal((await login(app, 'bystander', otherAccount.password, attacker)).statusCode, 200, 'other accounts from the attacker\'s address are not affected')
})

test('unknown usernames are throttled exactly like real ones, so the 429 reveals nothing', async (t) => {
  const app = await build(t, { loginFailureLimit: 2 })
  await registerUser(app, 'existing')
  const answers = async (username: string) => {
    const seen = []
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ method: 'POST', url: '/login', payload: { username, password: 'wrong password' } })
      seen.push({ status: response.statusCode, body: response.json() })
    }
    return seen
  }
  t.same(await answers('existing'), await answers('ghost-user'))
})

test('a success clears the failures of that pair', async (t) => {
  const app = await build(t, { loginFailureLimit: 2 })
  const user = await registerUser(app, 'forgetful')
  const attempt = (password: string) => app.inject({ method: 'POST', url: '/login', payload: { username: 'forgetful', password } })
  t.equal((await attempt('wrong once')).statusCode, 401)
  t.equal((await attempt(user.password)).statusCode, 200)
  t.equal((await attempt('wrong twice')).statusCode, 401)
  t.equal((await attempt(user.password)).statusCode, 200, 'one failure after a success does not reach the limit of 2')
})

test('LOGIN_FAILURE_LIMIT=0 turns the throttle off', async (t) => {
  const app = await build(t, { loginFailureLimit: 0 })
  for (let i = 0; i < 8; i++) {
    t.equal((await app.inject({ method: 'POST', url: '/login', payload: { username: 'someone', password: 'wrong password' } })).statusCode, 401)
  }
})

// The guesses come from one address, which holds a quarter of the password slots: room for all of them at once.
const ONE_ADDRESS_ROOM = 400

// Many guesses at once: each takes its attempt atomically before the slow verify, so exactly `limit` are checked.
async function guessAtOnce (apps: FastifyInstance[], username: string, guesses: number) {
  return await Promise.all(Array.from({ length: guesses }, (_, i) => login(apps[i % apps.length] as FastifyInstance, username, `wrong guess ${i}`, '198.51.100.9')))
}

function tally (t: Test, responses: Awaited<ReturnType<typeof login>>[], limit: number) {
  const statuses = responses.map((response) => response.statusCode)
  t.equal(statuses.filter((status) => status === 401).length, limit, `exactly ${limit} wrong answers are given (${statuses.join(' ')})`)
  t.equal(statuses.filter((status) => status === 429).length, responses.length - limit, 'every other guess is refused with 429')
  for (const response of responses) {
    if (response.statusCode === 401) t.same(response.json(), { statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password', code: 'invalid_credentials' })
    else {
      t.same(response.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Too many failed logins for this account from your address; try again later', code: 'rate_limited' })
      t.ok(Number(response.headers['retry-after']) > 0, 'with Retry-After')
    }
  }
}

test('20 concurrent wrong guesses: exactly LOGIN_FAILURE_LIMIT get 401, the rest 429, and then even the right password gets 429', async (t) => {
  const app = await build(t, { loginFailureLimit: 5, trustProxy: true, argon2QueueSize: ONE_ADDRESS_ROOM })
  const user = await registerUser(app, 'concurrent-victim')
  let verifies = 0
  const verify = app.passwords.verify
  app.passwords.verify = async (...args) => { verifies++; return await verify(...args) }
  tally(t, await guessAtOnce([app], 'Concurrent-Victim', 24), 5)
  t.equal(verifies, 5, 'argon2 ran only for the guesses that were answered')
  const right = await login(app, 'concurrent-victim', user.password, '198.51.100.9')
  t.equal(right.statusCode, 429, 'the right password is refused too until the window ends')
  t.match(right.json(), { code: 'rate_limited' })
})

test('with Redis, two instances together give at most LOGIN_FAILURE_LIMIT wrong answers to concurrent guesses', { skip: redisServerMissing }, async (t) => {
  const redis = await startPrivateRedis(t)
  const databaseUrl = await freshDatabaseUrl(t)
  const first = await build(t, { loginFailureLimit: 5, trustProxy: true, redisUrl: redis.url, databaseUrl, argon2QueueSize: ONE_ADDRESS_ROOM })
  const second = await build(t, { loginFailureLimit: 5, trustProxy: true, redisUrl: redis.url, databaseUrl, argon2QueueSize: ONE_ADDRESS_ROOM })
  const user = await registerUser(first, 'shared-victim')
  tally(t, await guessAtOnce([first, second], 'shared-victim', 30), 5)
  const right = await login(second, 'shared-victim', user.password, '198.51.100.9')
  t.equal(right.statusCode, 429, 'the right password is refused too, on either instance')
  t.match(right.json(), { code: 'rate_limited' })
  t.equal(await redis.client().exists('todo-login-failures:shared-victim:198.51.100.9'), 1, 'the count is kept in Redis')
})

test('a check that fails with an error gives its attempt back', async (t) => {
  const app = await build(t, { loginFailureLimit: 2 })
  const user = await registerUser(app, 'unlucky')
  const verify = app.passwords.verify
  app.passwords.verify = async () => { throw new ApiError(503, 'service_unavailable', 'busy') }
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'POST', url: '/login', payload: { username: 'unlucky', password: 'wrong password' } })).statusCode, 503)
  app.passwords.verify = verify
  const answer = await app.inject({ method: 'POST', url: '/login', payload: { username: 'unlucky', password: user.password } })
  t.equal(answer.statusCode, 200, 'three errors did not use up an allowance of two')
  t.match(answer.json(), { token_type: 'Bearer' })
})
