// LOGIN_FAILURE_LIMIT: failed logins per username and client address; the real user elsewhere is never locked out.
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, registerUser } from '../helper.js'

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
