// The body deadline alone: a body that does not arrive in time is answered 408 request_timeout; a body that arrives,
// or a request answered without its body being read, leaves nothing behind.
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyError } from 'fastify'
import { test, type Test } from 'tap'
import { ApiError } from '../../../lib/api-error.js'
import { bodyDeadline } from '../../../lib/http/body-deadline.js'

const BOUND_MS = 200

async function echoWithDeadline (t: Test) {
  const app = Fastify()
  t.teardown(() => app.close())
  // As plugins/errors.ts answers an ApiError.
  app.setErrorHandler((error: FastifyError | ApiError, _request, reply) => {
    const status = error.statusCode ?? 500
    return reply.code(status).send({ statusCode: status, message: error.message, code: error instanceof ApiError ? error.code : 'other' })
  })
  app.post('/echo', { preParsing: bodyDeadline(BOUND_MS) }, async (request) => request.body)
  await app.ready()
  return app
}

test('a body that does not arrive within the bound is answered 408 request_timeout', async (t) => {
  const app = await echoWithDeadline(t)
  const body = new Readable({ read () {} })
  body.push('{"a":')
  const answer = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: body })
  t.equal(answer.statusCode, 408)
  t.same(answer.json(), { statusCode: 408, message: `The request body did not arrive within ${BOUND_MS / 1000} s`, code: 'request_timeout' })
  t.equal(answer.headers.connection, 'close', 'the connection closes')
})

test('a body that arrives in time is read as usual', async (t) => {
  const app = await echoWithDeadline(t)
  const answer = await app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } })
  t.equal(answer.statusCode, 200)
  t.same(answer.json(), { a: 1 })
  // Past the bound: nothing fires for a request already answered.
  await sleep(BOUND_MS * 2)
})

test('a request answered without its body being read (415) leaves no timer to fail later', async (t) => {
  const app = await echoWithDeadline(t)
  const answer = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' })
  t.equal(answer.statusCode, 415)
  // Before the fix, the deadline destroyed the unread stream here with no listener: an uncaught exception.
  await sleep(BOUND_MS * 2)
  t.pass('no uncaught exception past the bound')
})
