// Rate limits: RATE_LIMIT_AUTH on the credential routes, the global limit, TRUST_PROXY, and failing open without Redis.
import { test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { build } from '../helper.js'

async function statuses (app: FastifyInstance, request: InjectOptions, times: number): Promise<number[]> {
  const seen: number[] = []
  for (let i = 0; i < times; i++) seen.push((await app.inject(request)).statusCode)
  return seen
}

const badLogin: InjectOptions = { method: 'POST', url: '/login', payload: { username: 'nobody', password: 'not a password' } }

test('RATE_LIMIT_AUTH: each credential route allows that many requests a minute per client, then 429', async (t) => {
  const app = await build(t, { rateLimitAuth: 3 })
  const routes: Record<string, InjectOptions> = {
    '/login': badLogin,
    '/register': { method: 'POST', url: '/register', payload: { username: 'x', password: 'short', name: '' } },
    '/refresh': { method: 'POST', url: '/refresh', payload: { refresh_token: 'unknown' } }
  }
  for (const [route, request] of Object.entries(routes)) {
    const allowed = await statuses(app, request, 3)
    t.notOk(allowed.includes(429), `${route}: the first 3 pass (${allowed.join(', ')})`)
    const limited = await app.inject(request)
    t.equal(limited.statusCode, 429, `${route}: the 4th is limited`)
    t.match(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: /^Too many requests; retry in (1 minute|\d+ seconds)$/, code: 'rate_limited' })
    t.match(limited.headers['retry-after'], /^(60|59|58)$/)
    t.equal(limited.headers['ratelimit-limit'], '3')
  }
  const todo = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(todo.statusCode, 200, 'other routes are not affected by the auth limit')
})

test('RATE_LIMIT_AUTH=0 turns the auth limit off', async (t) => {
  const app = await build(t, { rateLimitAuth: 0, loginFailureLimit: 0 })
  t.same(await statuses(app, badLogin, 25), Array(25).fill(401))
})

test('the global limit covers every other route, but never /health or /ready', async (t) => {
  const app = await build(t, { rateLimitGlobal: 4 })
  t.same(await statuses(app, { method: 'GET', url: '/todo' }, 5), [200, 200, 200, 200, 429])
  const limited = await app.inject({ method: 'GET', url: '/todo/ASC' })
  t.equal(limited.statusCode, 429, 'the count is per client across routes')
  t.match(limited.json(), { code: 'rate_limited' })
  t.same(await statuses(app, { method: 'GET', url: '/health' }, 6), Array(6).fill(200))
  t.same(await statuses(app, { method: 'GET', url: '/ready' }, 6), Array(6).fill(200))
})

test('TRUST_PROXY decides whose address is counted', async (t) => {
  const fromClient = (ip: string): InjectOptions => ({ ...badLogin, headers: { 'x-forwarded-for': ip } })

  const direct = await build(t, { rateLimitAuth: 2 })
  const spoofed = [await direct.inject(fromClient('203.0.113.1')), await direct.inject(fromClient('203.0.113.2')), await direct.inject(fromClient('203.0.113.3'))]
  t.same(spoofed.map((response) => response.statusCode), [401, 401, 429], 'without TRUST_PROXY a forged X-Forwarded-For does not escape the limit')

  const behindProxy = await build(t, { rateLimitAuth: 2, trustProxy: true })
  t.same(await statuses(behindProxy, fromClient('203.0.113.1'), 3), [401, 401, 429], 'behind a trusted proxy the real client is counted')
  t.equal((await behindProxy.inject(fromClient('203.0.113.2'))).statusCode, 401, 'and another client has its own allowance')
})

test('with REDIS_URL unreachable the service keeps serving and the limits fail open', async (t) => {
  const app = await build(t, { rateLimitAuth: 2, redisUrl: 'redis://127.0.0.1:1' })
  t.same(await statuses(app, badLogin, 4), [401, 401, 401, 401])
  const list = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [])
})
