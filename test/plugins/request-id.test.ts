// X-Request-Id round trip (plugins/request-id.ts): a plain id the caller sent comes back, and every other answer
// carries a fresh one, whatever answered it: a route, the 404 handler, authentication, the rate limit.
import { test } from 'tap'
import { build } from '../helper.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

test('a plain id sent by the caller comes back on the answer', async (t) => {
  const fastify = await build(t)
  const answer = await fastify.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'caller-id.42:a_b' } })
  t.equal(answer.statusCode, 200)
  t.same(answer.json(), { status: 'ok' })
  t.equal(answer.headers['x-request-id'], 'caller-id.42:a_b')
})

test('without one, or with one too long or odd to keep, the answer carries a fresh id, a new one each time', async (t) => {
  const fastify = await build(t)
  const answers = [
    await fastify.inject({ method: 'GET', url: '/health' }),
    await fastify.inject({ method: 'GET', url: '/health' }),
    await fastify.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a'.repeat(65) } }),
    await fastify.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': '../etc passwd' } })
  ]
  const ids = answers.map((answer) => String(answer.headers['x-request-id']))
  for (const id of ids) t.match(id, UUID)
  t.equal(new Set(ids).size, ids.length, 'each request its own id')
})

test('errors carry it too: 404, 401, 400 and a 429 from the rate limit', async (t) => {
  const fastify = await build(t, { rateLimitGlobal: 3 })
  const answers = [
    await fastify.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'id-404' } }),
    await fastify.inject({ method: 'GET', url: '/profile', headers: { 'x-request-id': 'id-401' } }),
    await fastify.inject({ method: 'GET', url: '/todo?limt=5', headers: { 'x-request-id': 'id-400' } }),
    await fastify.inject({ method: 'GET', url: '/todo', headers: { 'x-request-id': 'id-429' } })
  ]
  t.same(answers.map((answer) => answer.statusCode), [404, 401, 400, 429])
  t.same(answers.map((answer) => answer.json().code), ['not_found', 'invalid_token', 'validation_error', 'rate_limited'])
  t.same(answers.map((answer) => answer.headers['x-request-id']), ['id-404', 'id-401', 'id-400', 'id-429'])
})

test('a URL the router itself refuses (bad percent-encoding) carries it too', async (t) => {
  const fastify = await build(t)
  const answer = await fastify.inject({ method: 'GET', url: '/todo/%E0%A4%A', headers: { 'x-request-id': 'id-bad-url' } })
  t.equal(answer.statusCode, 400)
  t.equal(answer.json().code, 'validation_error')
  t.equal(answer.headers['x-request-id'], 'id-bad-url')
})
