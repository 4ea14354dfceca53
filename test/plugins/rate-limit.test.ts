// Rate limits: RATE_LIMIT_AUTH on the credential routes, the global limit, TRUST_PROXY, and counting in the process without Redis.
import { test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { build } from '../helper.js'

async function statuses (app: FastifyInstance, request: InjectOptions, times: number): Promise<number[]> {
  const seen: number[] = []
  for (let i = 0; i < times; i++) seen.push((await app.inject(request)).statusCode)
  return seen
}

const badLogin: InjectOptions = { method: 'POST', url: '/login', payload: { username: 'nobody', password: 'not a password' } }

// A number of seconds from 1 to 60: what is left of a one-minute window.
function secondsWithinWindow (value: unknown): boolean {
  const seconds = Number(value)
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 60
}

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
    // The window is a minute; on a loaded machine a second or more of it may have passed: a range, not 60 exactly.
    t.match(limited.json(), { statusCode: 429, error: 'Too Many Requests', message: /^Too many requests; retry in \d+ s$/, code: 'rate_limited' })
    t.ok(secondsWithinWindow(/retry in (\d+) s/.exec(limited.json().message)?.[1]), `${route}: the message says when, within the minute`)
    t.ok(secondsWithinWindow(limited.headers['retry-after']), `${route}: Retry-After within the minute (${String(limited.headers['retry-after'])})`)
    t.same([limited.headers['ratelimit-limit'], limited.headers['ratelimit-remaining']], ['3', '0'], 'the IETF draft RateLimit-* fields')
    t.ok(secondsWithinWindow(limited.headers['ratelimit-reset']), `${route}: RateLimit-Reset within the minute`)
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

test('with REDIS_URL unreachable from the start the service keeps serving and the limits still apply, per process', async (t) => {
  const app = await build(t, { rateLimitAuth: 2, redisUrl: 'redis://127.0.0.1:1' })
  t.same(await statuses(app, badLogin, 4), [401, 401, 429, 429])
  const list = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [])
  t.match(await app.metrics.metrics(), /^rate_limit_store_fallback 1$/m, 'the fallback shows in /metrics')
})
