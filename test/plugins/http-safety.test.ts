// Headers of a JSON API, CORS only for configured origins, no caching of anything personal, load shedding.
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { test } from 'tap'
import { build, loggedInUser } from '../helper.js'
import loadShed from '../../plugins/load-shed.js'

// Also the refusals made before any route hook runs: a 429 from the rate limit, which is counted first, and a 400 for
// a URL the router cannot read (both went out without them when the headers were set in an onRequest hook).
test('security headers suited to a JSON API on every answer', async (t) => {
  // Counted: the two /todo and the 404 (the probes and an unreadable URL are not).
  const app = await build(t, { rateLimitGlobal: 2 })
  const answers = []
  for (const url of ['/health', '/todo', '/no-such-route', '/todo/%E0%A4%A', '/todo']) answers.push(await app.inject({ method: 'GET', url }))
  t.same(answers.map((answer) => answer.statusCode), [200, 200, 404, 400, 429])
  for (const response of answers) {
    const answer = `${response.statusCode} ${response.json<{ code?: string }>().code ?? ''}`
    t.equal(response.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", answer)
    t.equal(response.headers['x-content-type-options'], 'nosniff', answer)
    t.equal(response.headers['x-frame-options'], 'SAMEORIGIN', answer)
    t.match(response.headers['strict-transport-security'], /max-age=\d+/, answer)
    t.equal(response.headers['x-powered-by'], undefined, answer)
  }
  const docs = await (await build(t)).inject({ method: 'GET', url: '/docs' })
  t.equal(docs.statusCode, 200, 'Swagger UI still loads')
  t.match(docs.headers['content-security-policy'], /script-src 'self'/, 'with a policy of its own')
})

test('Cache-Control: private, no-cache on authenticated answers, no-store on token answers', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const login = await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: user.password } })
  t.equal(login.headers['cache-control'], 'no-store')
  const refresh = await app.inject({ method: 'POST', url: '/refresh', payload: { refresh_token: user.refreshToken } })
  t.equal(refresh.headers['cache-control'], 'no-store')
  for (const url of ['/profile', '/todo', '/todo/ASC']) {
    const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${refresh.json().access_token}` } })
    t.equal(response.statusCode, 200, url)
    t.equal(response.headers['cache-control'], 'private, no-cache', url)
  }
})

test('CORS is off by default', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/todo', headers: { origin: 'https://evil.example' } })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['access-control-allow-origin'], undefined)
  const preflight = await app.inject({ method: 'OPTIONS', url: '/todo', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } })
  t.equal(preflight.headers['access-control-allow-origin'], undefined)
})

test('CORS_ORIGINS allows exactly the listed origins', async (t) => {
  const app = await build(t, { corsOrigins: ['https://app.example.com'] })
  const allowed = await app.inject({ method: 'OPTIONS', url: '/todo', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } })
  t.equal(allowed.statusCode, 204)
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(allowed.headers['access-control-allow-headers'], /authorization/)
  const simple = await app.inject({ method: 'GET', url: '/todo', headers: { origin: 'https://app.example.com' } })
  t.equal(simple.headers['access-control-allow-origin'], 'https://app.example.com')
  t.match(simple.headers['access-control-expose-headers'], /link/)
  const other = await app.inject({ method: 'GET', url: '/todo', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined)
})

test('CORS: a browser may send conditional requests and Idempotency-Key, and read ETag, Link, Location, Retry-After and RateLimit-*, 429s included', async (t) => {
  const origin = 'https://app.example.com'
  const app = await build(t, { corsOrigins: [origin], rateLimitGlobal: 3 })
  const preflight = await app.inject({ method: 'OPTIONS', url: '/todo/1', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type,if-match,if-none-match,idempotency-key,x-request-id' } })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.headers['access-control-allow-origin'], origin)
  t.same(String(preflight.headers['access-control-allow-headers']).split(',').map((name) => name.trim()).sort(),
    ['authorization', 'content-type', 'idempotency-key', 'if-match', 'if-none-match', 'x-request-id'])
  const exposed = ['etag', 'link', 'location', 'retry-after', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset'].sort()
  const read = await app.inject({ method: 'GET', url: '/todo', headers: { origin } })
  t.equal(read.statusCode, 200)
  t.same(String(read.headers['access-control-expose-headers']).split(',').map((name) => name.trim()).sort(), exposed)
  let limited = read
  for (let i = 0; i < 5 && limited.statusCode !== 429; i++) limited = await app.inject({ method: 'GET', url: '/todo', headers: { origin } })
  t.equal(limited.statusCode, 429, 'the global allowance runs out')
  t.equal(limited.headers['access-control-allow-origin'], origin, 'the 429 carries the CORS headers, so the browser app can read it')
  t.same(String(limited.headers['access-control-expose-headers']).split(',').map((name) => name.trim()).sort(), exposed)
  t.match(String(limited.headers.vary), /origin/i)
  const foreign = await app.inject({ method: 'GET', url: '/todo', headers: { origin: 'https://evil.example' } })
  t.equal(foreign.statusCode, 429)
  t.equal(foreign.headers['access-control-allow-origin'], undefined, 'other origins get no CORS headers, refused or not')
})

// Keeps the event loop saturated until under-pressure's next sample sees it (samples come about once a second),
// and answers the first GET /todo that is shed (or the last one tried).
async function getTodoUnderSaturation (app: FastifyInstance): Promise<LightMyRequestResponse> {
  let response = await app.inject({ method: 'GET', url: '/todo' })
  for (let attempt = 0; attempt < 20 && response.statusCode !== 503; attempt++) {
    const until = Date.now() + 400
    while (Date.now() < until) { /* busy */ }
    await new Promise((resolve) => setTimeout(resolve, 20))
    response = await app.inject({ method: 'GET', url: '/todo' })
  }
  return response
}

test('a saturated event loop answers 503 instead of queueing', async (t) => {
  const app = await build(t, { maxEventLoopDelayMs: 50 })
  const response = await getTodoUnderSaturation(app)
  t.equal(response.statusCode, 503)
  t.match(response.json(), { statusCode: 503, error: 'Service Unavailable', code: 'service_unavailable' })
  t.ok(Number(response.headers['retry-after']) > 0, 'with Retry-After')
})

test('under sustained overload /health still answers 200, /ready says 503, and shed answers are counted', async (t) => {
  const app = await build(t, { maxEventLoopDelayMs: 50 })
  const response = await getTodoUnderSaturation(app)
  t.equal(response.statusCode, 503, 'a data route is shed')
  t.same(response.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The service is overloaded; try again shortly', code: 'service_unavailable' })
  t.equal(response.headers['retry-after'], '5')

  const health = await app.inject({ method: 'GET', url: '/health' })
  t.equal(health.statusCode, 200, 'liveness is never shed')
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503, 'readiness says the instance should get no traffic')
  t.same(ready.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The service is overloaded', code: 'service_unavailable' })

  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, /load_shed_total\{reason="event_loop"\} [1-9]/, 'shed answers are counted')
})

test('shed answers are logged at most once a second, not once each', async (t) => {
  const lines: Array<{ level: number, msg: string }> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(loadShed)
  await app.ready()
  for (let i = 0; i < 1000; i++) app.loadShed.record('event_loop')
  t.equal(lines.filter((line) => line.msg === 'shedding load').length, 1, 'one line for a thousand sheds within a second')
  t.equal((await app.loadShed.counter.get()).values.find((value) => value.labels.reason === 'event_loop')?.value, 1000, 'each one counted')
})
