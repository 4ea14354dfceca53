// Hostile or malformed input gets a 4xx in the error shape, never a 500 and never a side effect.
import { test, type Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { BODY_LIMIT_BYTES } from '../../lib/http/server-options.js'
import { build, loggedInUser, logIn } from '../helper.js'

const VALID_REGISTRATION = { username: 'mallory', password: 'a perfectly fine passphrase', name: 'Mallory' }

function assertError (t: Test, response: LightMyRequestResponse, statusCode: number, code: string, message?: string | RegExp, options: { todo?: string } = {}): void {
  t.not(response.statusCode, 500, 'never a 500')
  t.match(response.headers['content-type'], /^application\/json/, 'JSON')
  const body = response.json()
  t.same(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], 'the error shape')
  t.equal(body.statusCode, response.statusCode, 'the body repeats the status')
  t.equal(response.statusCode, statusCode, `status ${statusCode}`, options)
  t.equal(body.code, code, `code ${code}`, options)
  if (message !== undefined) t.match(body.message, message, 'message', options)
}

async function post (app: FastifyInstance, url: string, contentType: string | undefined, payload: string | Buffer, extra: Partial<InjectOptions> = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...(extra.headers as Record<string, string> | undefined) }
  if (contentType !== undefined) headers['content-type'] = contentType
  return await app.inject({ method: 'POST', url, payload, headers })
}

async function userCount (app: FastifyInstance): Promise<number> {
  const row = await app.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
  return Number(row.count)
}

test('a body over 1 MiB is 413 payload_too_large', async (t) => {
  const app = await build(t)
  const oversized = JSON.stringify({ ...VALID_REGISTRATION, name: 'x'.repeat(BODY_LIMIT_BYTES) })
  t.ok(Buffer.byteLength(oversized) > 1024 * 1024, 'over 1 MiB')
  assertError(t, await post(app, '/register', 'application/json', oversized), 413, 'payload_too_large', 'Request body is too large')
  assertError(t, await post(app, '/login', 'application/json', oversized), 413, 'payload_too_large')
  // A media type the service never parses is refused before its size matters.
  assertError(t, await post(app, '/register', 'text/plain', 'x'.repeat(BODY_LIMIT_BYTES + 1)), 415, 'unsupported_media_type')
  t.equal(await userCount(app), 0, 'nothing was stored')
})

test('a body over 1 MiB on an authenticated route is 413 too', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const oversized = JSON.stringify({ title: 'big', description: 'x'.repeat(BODY_LIMIT_BYTES) })
  assertError(t, await post(app, '/todo', 'application/json', oversized, { headers: user.auth }), 413, 'payload_too_large')
})

test('a body of exactly 1 MiB is not refused for its size', async (t) => {
  const app = await build(t)
  const prefix = JSON.stringify({ ...VALID_REGISTRATION, name: '' }).slice(0, -2)
  const padded = `${prefix}${'x'.repeat(BODY_LIMIT_BYTES - prefix.length - 2)}"}`
  t.equal(Buffer.byteLength(padded), BODY_LIMIT_BYTES)
  assertError(t, await post(app, '/register', 'application/json', padded), 400, 'validation_error', 'body/name must NOT have more than 100 characters')
})

test('a text/plain body is 415 unsupported_media_type', async (t) => {
  const app = await build(t)
  const bug = {}
  assertError(t, await post(app, '/register', 'text/plain', JSON.stringify(VALID_REGISTRATION)), 415, 'unsupported_media_type', undefined, bug)
  assertError(t, await post(app, '/login', 'text/plain', 'username=mallory'), 415, 'unsupported_media_type', undefined, bug)
  assertError(t, await post(app, '/register', 'text/plain; charset=utf-8', 'hello'), 415, 'unsupported_media_type', undefined, bug)
  t.equal(await userCount(app), 0, 'nothing was stored')
})

test('other non-JSON media types are 415 unsupported_media_type', async (t) => {
  const app = await build(t)
  for (const contentType of ['application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'image/png']) {
    assertError(t, await post(app, '/register', contentType, 'username=mallory'), 415, 'unsupported_media_type', undefined)
  }
  t.equal(await userCount(app), 0, 'nothing was stored')
})

test('invalid JSON is 400 validation_error', async (t) => {
  const app = await build(t)
  for (const payload of ['{"username": "mallory",', '{username: "mallory"}', '{"a": 1}}', '\'{}\'', 'NaN', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])]) {
    assertError(t, await post(app, '/register', 'application/json', payload), 400, 'validation_error', /JSON/)
  }
  assertError(t, await post(app, '/register', 'application/json', ''), 400, 'validation_error', /empty/)
})

test('JSON that is not an object is 400 validation_error', async (t) => {
  const app = await build(t)
  for (const payload of ['null', '[]', '[{"username":"mallory"}]', '"mallory"', '42', 'true', '1e999']) {
    assertError(t, await post(app, '/register', 'application/json', payload), 400, 'validation_error', 'body must be object')
  }
  assertError(t, await app.inject({ method: 'POST', url: '/register' }), 400, 'validation_error', 'body must be object')
})

test('a __proto__ key anywhere in the body is 400, and pollutes nothing', async (t) => {
  const app = await build(t)
  const bodies = [
    `{"__proto__": {"role": "admin"}, "username": "mallory", "password": "${VALID_REGISTRATION.password}", "name": "Mallory"}`,
    `{"username": "mallory", "password": "${VALID_REGISTRATION.password}", "name": {"__proto__": {"isAdmin": true}}}`,
    `{"\\u005f_proto__": {"role": "admin"}, "username": "mallory", "password": "${VALID_REGISTRATION.password}", "name": "Mallory"}`
  ]
  for (const payload of bodies) {
    assertError(t, await post(app, '/register', 'application/json', payload), 400, 'validation_error')
  }
  t.equal(({} as Record<string, unknown>).role, undefined, 'Object.prototype has no role')
  t.equal(({} as Record<string, unknown>).isAdmin, undefined, 'Object.prototype has no isAdmin')
  t.equal(await userCount(app), 0, 'nothing was stored')
})

test('a constructor.prototype body is 400, and pollutes nothing', async (t) => {
  const app = await build(t)
  const payload = `{"constructor": {"prototype": {"role": "admin"}}, "username": "mallory", "password": "${VALID_REGISTRATION.password}", "name": "Mallory"}`
  assertError(t, await post(app, '/register', 'application/json', payload), 400, 'validation_error')
  t.equal(({} as Record<string, unknown>).role, undefined, 'Object.prototype has no role')

  const plainConstructor = `{"constructor": "x", "username": "mallory", "password": "${VALID_REGISTRATION.password}", "name": "Mallory"}`
  assertError(t, await post(app, '/register', 'application/json', plainConstructor), 400, 'validation_error', 'body must not have the property "constructor"')
  t.equal(await userCount(app), 0, 'nothing was stored')
})

test('prototype keys on an authenticated body are 400 as well', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  assertError(t, await post(app, '/todo', 'application/json', '{"title": "t", "__proto__": {"done": true}}', { headers: user.auth }), 400, 'validation_error')
  assertError(t, await post(app, '/todo', 'application/json', '{"title": "t", "constructor": {"prototype": {"done": true}}}', { headers: user.auth }), 400, 'validation_error')
  const list = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  t.equal(list.statusCode, 200)
  t.same(list.json(), [], 'no task was created')
})

test('a body that tries to choose its own role is 400 and creates no admin', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'POST', url: '/register', payload: { ...VALID_REGISTRATION, role: 'admin' } })
  assertError(t, response, 400, 'validation_error', 'body must not have the property "role"')
  const login = await logIn(app, VALID_REGISTRATION.username, VALID_REGISTRATION.password)
  t.equal(login.statusCode, 401, 'the user does not exist')
  t.match(login.json(), { code: 'invalid_credentials' })
})

test('wrong types are refused, not coerced', async (t) => {
  const app = await build(t)
  assertError(t, await app.inject({ method: 'POST', url: '/register', payload: { ...VALID_REGISTRATION, username: 12345 } }), 400, 'validation_error', 'body/username must be string')
  assertError(t, await app.inject({ method: 'POST', url: '/register', payload: { ...VALID_REGISTRATION, name: ['Mallory'] } }), 400, 'validation_error', 'body/name must be string')
  assertError(t, await app.inject({ method: 'POST', url: '/login', payload: { username: { $ne: null }, password: { $ne: null } } }), 400, 'validation_error', 'body/username must be string')
})

test('deeply nested and oversized values are 400, not a crash', async (t) => {
  const app = await build(t)
  const depth = 100_000
  const nestedArrays = `{"username": ${'['.repeat(depth)}${']'.repeat(depth)}, "password": "x", "name": "x"}`
  assertError(t, await post(app, '/register', 'application/json', nestedArrays), 400, 'validation_error', 'body/username must be string')
  const nestedObjects = `{"username": "mallory", "password": "x", "name": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
  assertError(t, await post(app, '/register', 'application/json', nestedObjects), 400, 'validation_error')
  assertError(t, await app.inject({ method: 'POST', url: '/register', payload: { ...VALID_REGISTRATION, username: 'm'.repeat(100_000) } }), 400, 'validation_error', 'body/username must NOT have more than 32 characters')
  assertError(t, await app.inject({ method: 'POST', url: '/register', payload: { ...VALID_REGISTRATION, username: 'mal\u0000lory' } }), 400, 'validation_error', /body\/username must match pattern/)
})

test('hostile query strings and paths are 400 validation_error', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const cases: Array<[string, string | RegExp]> = [
    ['/todo?__proto__=x', 'querystring must not have the property "__proto__"'],
    ['/todo?constructor=x', 'querystring must not have the property "constructor"'],
    ['/todo?limit=abc', 'querystring/limit must be integer'],
    ['/todo?limit=1&limit=2', 'querystring/limit must be integer'],
    ['/todo?limit=0', 'querystring/limit must be >= 1'],
    ['/todo?limit=101', 'querystring/limit must be <= 100'],
    ['/todo?order=sideways', /querystring\/order/],
    ['/todo?order=asc&order=desc', /querystring\/order/],
    [`/todo?cursor=${'a'.repeat(201)}`, 'querystring/cursor must NOT have more than 200 characters'],
    ['/todo?cursor=%27%20OR%201%3D1', /querystring\/cursor must match pattern/],
    ['/todo?cursor=bm90LWEtY3Vyc29y', 'querystring/cursor is not a cursor this service issued'],
    ['/todo?userId=../../etc/passwd', /querystring\/userId must match format "uuid"/],
    ['/todo/abc', 'params/id must be integer'],
    ['/todo/-1', 'params/id must be >= 1'],
    ['/todo/99999999999999999999', 'params/id must be integer'],
    ['/todo/2147483648', 'params/id must be <= 2147483647'],
    ['/todo/1.5', 'params/id must be integer'],
    ['/todo/0x10', 'params/id must be integer'],
    ['/todo/1e3', 'params/id must be integer'],
    ['/todo/%201', 'params/id must be integer'],
    ['/todo?limit=0x10', 'querystring/limit must be integer'],
    ['/todo?limit=5&limit=6', 'querystring/limit must be integer']
  ]
  for (const [url, message] of cases) {
    assertError(t, await app.inject({ method: 'GET', url, headers: user.auth }), 400, 'validation_error', message)
  }
})

test('a hostile Authorization header is 401 invalid_token with the RFC 6750 challenge', async (t) => {
  const app = await build(t)
  for (const authorization of ['Bearer ' + 'a'.repeat(100_000) + '.b.c', 'Bearer a.b.c\u0000', 'Basic bWFsbG9yeTpwYXNz', 'Bearer', 'Bearer ../../etc/passwd']) {
    const response = await app.inject({ method: 'GET', url: '/profile', headers: { authorization } })
    assertError(t, response, 401, 'invalid_token')
    t.equal(response.headers['www-authenticate'], 'Bearer realm="todo", error="invalid_token"')
  }
})

test('the error body never echoes a submitted password', async (t) => {
  const app = await build(t)
  const password = 'secret-passphrase-that-must-not-leak'
  const responses = [
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'x', password, name: 'X' } }),
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'mallory', password, name: 'Mallory', extra: 1 } }),
    await post(app, '/register', 'application/json', `{"username": "mallory", "password": "${password}",`),
    await app.inject({ method: 'POST', url: '/login', payload: { username: 'nobody', password } })
  ]
  for (const response of responses) {
    t.ok(response.statusCode >= 400 && response.statusCode < 500, `a 4xx (${response.statusCode})`)
    t.notMatch(response.body, password, 'the password is not in the body')
  }
})
