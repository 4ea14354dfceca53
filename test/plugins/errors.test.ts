// The errors plugin alone: every failure gets API.md's shape and code, and a 5xx never leaks its cause.
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { ApiError } from '../../lib/api-error.js'
import { createValidatorCompiler } from '../../lib/http/validator-compiler.js'
import errors from '../../plugins/errors.js'
import sensible from '../../plugins/sensible.js'

const REQUEST_ID = 'request-under-test'
const SECRET_DETAIL = 'SQLITE_ERROR: no such column users.password_hash near "SELECT"'

interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { message?: string, stack?: string }
}

const StrictBodySchema = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    nested: { type: 'object', properties: { flag: { type: 'boolean' } }, additionalProperties: false }
  },
  required: ['count'],
  additionalProperties: false
}

async function buildErrorsApp (t: Test): Promise<{ app: FastifyInstance, logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({
    logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } },
    bodyLimit: 1024,
    genReqId: () => REQUEST_ID
  })
  t.teardown(() => app.close())
  app.setValidatorCompiler(createValidatorCompiler())
  await app.register(sensible)
  await app.register(errors)

  app.get('/api-error', async function throwApiError () {
    throw new ApiError(409, 'username_taken', 'The username "alice" is already taken')
  })
  app.get('/api-error-5xx', async function throwApiError5xx () {
    throw new ApiError(503, 'service_unavailable', 'The database does not answer')
  })
  app.get('/forbidden', async function throwForbidden () {
    throw app.httpErrors.forbidden('This needs the admin role')
  })
  app.get('/not-found', async function throwNotFound () {
    throw app.httpErrors.notFound('Task 7 not found')
  })
  app.get('/unauthorized', async function throwUnauthorized () {
    throw new ApiError(401, 'invalid_token', 'This route needs an access token')
  })
  app.get('/plain-error', async function throwPlainError () {
    throw new Error(SECRET_DETAIL)
  })
  app.get('/type-error', async function throwTypeError () {
    const missing = undefined as unknown as { id: string }
    return missing.id
  })
  app.get('/error-with-3xx-status', async function throwRedirectStatus () {
    throw Object.assign(new Error(SECRET_DETAIL), { statusCode: 302 })
  })
  app.post('/validated', { schema: { body: StrictBodySchema, querystring: { type: 'object', properties: { page: { type: 'integer' } }, additionalProperties: false } } }, async function accept () {
    return { ok: true }
  })
  await app.ready()
  return { app, logs }
}

function assertErrorBody (t: Test, response: LightMyRequestResponse, expected: { statusCode: number, error: string, code: string, message?: string | RegExp }): void {
  t.equal(response.statusCode, expected.statusCode, 'status')
  t.match(response.headers['content-type'], /^application\/json/, 'JSON')
  const body = response.json()
  t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], 'exactly the error shape')
  t.match(body, expected, 'body')
}

test('an ApiError keeps its status, code and message', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/api-error' })
  assertErrorBody(t, response, { statusCode: 409, error: 'Conflict', code: 'username_taken', message: 'The username "alice" is already taken' })
})

test('a 5xx ApiError keeps its documented message and code, and is logged', async (t) => {
  const { app, logs } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/api-error-5xx' })
  assertErrorBody(t, response, { statusCode: 503, error: 'Service Unavailable', code: 'service_unavailable', message: 'The database does not answer' })
  t.match(logs.filter((line) => line.level === 50), [{ msg: 'request failed', reqId: REQUEST_ID }])
})

test('fastify.httpErrors.forbidden() becomes 403 forbidden', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/forbidden' })
  assertErrorBody(t, response, { statusCode: 403, error: 'Forbidden', code: 'forbidden', message: 'This needs the admin role' })
})

test('fastify.httpErrors.notFound() becomes 404 not_found', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/not-found' })
  assertErrorBody(t, response, { statusCode: 404, error: 'Not Found', code: 'not_found', message: 'Task 7 not found' })
})

test('a plain Error becomes a generic 500 that leaks nothing, and is logged with the request id', async (t) => {
  const { app, logs } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/plain-error' })
  assertErrorBody(t, response, { statusCode: 500, error: 'Internal Server Error', code: 'internal_error', message: 'Something went wrong on our side' })
  t.notMatch(response.body, /SQLITE|password_hash|SELECT/, 'the original message is not sent')
  t.notMatch(response.body, /stack|at .*\.ts:\d+/, 'no stack trace is sent')

  const errorLines = logs.filter((line) => line.level === 50)
  t.equal(errorLines.length, 1, 'one error line')
  t.match(errorLines[0], { msg: 'request failed', reqId: REQUEST_ID, err: { message: SECRET_DETAIL } }, 'the cause stays in the log')
  t.match(errorLines[0]?.err?.stack, /throwPlainError/, 'the log names the handler')
})

test('a TypeError inside a handler is a generic 500 too', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/type-error' })
  assertErrorBody(t, response, { statusCode: 500, error: 'Internal Server Error', code: 'internal_error', message: 'Something went wrong on our side' })
  t.notMatch(response.body, /undefined|reading/, 'the TypeError message is not sent')
})

test('an error carrying a non-error status is a generic 500', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/error-with-3xx-status' })
  assertErrorBody(t, response, { statusCode: 500, error: 'Internal Server Error', code: 'internal_error', message: 'Something went wrong on our side' })
  t.notMatch(response.body, /SQLITE/)
})

test('a body that breaks its schema is 400 validation_error', async (t) => {
  const { app } = await buildErrorsApp(t)

  const wrongType = await app.inject({ method: 'POST', url: '/validated', payload: { count: '5' } })
  assertErrorBody(t, wrongType, { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: 'body/count must be integer' })

  const missing = await app.inject({ method: 'POST', url: '/validated', payload: {} })
  assertErrorBody(t, missing, { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: 'body must have required property \'count\'' })
})

test('an unknown property is 400 validation_error and the message names it', async (t) => {
  const { app } = await buildErrorsApp(t)

  const topLevel = await app.inject({ method: 'POST', url: '/validated', payload: { count: 5, role: 'admin' } })
  assertErrorBody(t, topLevel, { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: 'body must not have the property "role"' })

  const nested = await app.inject({ method: 'POST', url: '/validated', payload: { count: 5, nested: { flag: true, sneaky: 1 } } })
  assertErrorBody(t, nested, { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: 'body/nested must not have the property "sneaky"' })

  const query = await app.inject({ method: 'POST', url: '/validated?page=1&debug=1', payload: { count: 5 } })
  assertErrorBody(t, query, { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: 'querystring must not have the property "debug"' })
})

test('Fastify\'s own client errors get the shape and a code', async (t) => {
  const { app } = await buildErrorsApp(t)

  const badJson = await app.inject({ method: 'POST', url: '/validated', headers: { 'content-type': 'application/json' }, payload: '{"count": 5,' })
  assertErrorBody(t, badJson, { statusCode: 400, error: 'Bad Request', code: 'validation_error' })

  const tooLarge = await app.inject({ method: 'POST', url: '/validated', payload: { count: 5, padding: 'x'.repeat(2048) } })
  assertErrorBody(t, tooLarge, { statusCode: 413, error: 'Payload Too Large', code: 'payload_too_large' })

  const notJson = await app.inject({ method: 'POST', url: '/validated', headers: { 'content-type': 'application/xml' }, payload: '<count>5</count>' })
  assertErrorBody(t, notJson, { statusCode: 415, error: 'Unsupported Media Type', code: 'unsupported_media_type' })
})

test('an unknown route is 404 not_found, without echoing the query string', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/no/such/route?token=secret' })
  assertErrorBody(t, response, { statusCode: 404, error: 'Not Found', code: 'not_found', message: 'Route GET /no/such/route not found' })
  t.notMatch(response.body, /secret/)
})

test('a known path with a method it does not have is 405 method_not_allowed, with Allow', async (t) => {
  const { app } = await buildErrorsApp(t)
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/forbidden?token=secret' })
  assertErrorBody(t, wrongMethod, { statusCode: 405, error: 'Method Not Allowed', code: 'method_not_allowed', message: 'DELETE is not allowed on /forbidden; allowed: GET, HEAD' })
  t.equal(wrongMethod.headers.allow, 'GET, HEAD')
  t.notMatch(wrongMethod.body, /secret/)
})

test('a 401 without a token carries the bare Bearer challenge', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/unauthorized' })
  assertErrorBody(t, response, { statusCode: 401, error: 'Unauthorized', code: 'invalid_token', message: 'This route needs an access token' })
  t.equal(response.headers['www-authenticate'], 'Bearer realm="todo"')
})

test('a 401 for a token that was sent carries error="invalid_token"', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/unauthorized', headers: { authorization: 'Bearer a.b.c' } })
  assertErrorBody(t, response, { statusCode: 401, error: 'Unauthorized', code: 'invalid_token' })
  t.equal(response.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')
})

test('other statuses carry no WWW-Authenticate', async (t) => {
  const { app } = await buildErrorsApp(t)
  const response = await app.inject({ method: 'GET', url: '/forbidden', headers: { authorization: 'Bearer a.b.c' } })
  assertErrorBody(t, response, { statusCode: 403, error: 'Forbidden', code: 'forbidden' })
  t.equal(response.headers['www-authenticate'], undefined)
})
