// The drain (plugins/drain.ts): once it starts, every answer says Connection: close, whatever answered it: a route,
// the 404 handler, authentication, the rate limit that refuses a request before any route hook runs, or the router. A client
// left on its keep-alive connection by one such answer would have its next request reset when the server closes.
import { test } from 'tap'
import { build } from '../helper.js'

test('during the drain every answer says Connection: close, a 429 from the rate limit and a 400 from the router included', async (t) => {
  const fastify = await build(t, { rateLimitGlobal: 4 })
  const before = await fastify.inject({ method: 'GET', url: '/todo' })
  t.equal(before.statusCode, 200)
  t.not(before.headers.connection, 'close', 'not before the drain')

  fastify.drain.start()
  const answers = [
    await fastify.inject({ method: 'GET', url: '/todo' }),
    await fastify.inject({ method: 'GET', url: '/nowhere' }),
    await fastify.inject({ method: 'GET', url: '/profile' }),
    await fastify.inject({ method: 'GET', url: '/todo' }),
    // Refused by the router before any hook of the app runs (lib/http/server-options.ts).
    await fastify.inject({ method: 'GET', url: '/todo/%E0%A4%A' })
  ]
  t.same(answers.map((answer) => answer.statusCode), [200, 404, 401, 429, 400], 'a route, the 404 handler, authentication, the rate limit, the router')
  t.equal(answers[3]?.json().code, 'rate_limited')
  t.equal(answers[4]?.json().code, 'validation_error')
  t.same(answers.map((answer) => answer.headers.connection), ['close', 'close', 'close', 'close', 'close'])
})
