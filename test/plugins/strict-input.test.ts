// A route takes only the input its schema declares: a body on a route that takes none, or a query parameter it
// does not know, is refused with 400 validation_error (API.md), on every route, instead of being silently ignored.
import { test } from 'tap'
import type { InjectOptions } from 'fastify'
import { ADMIN, build, loggedInAdmin, loggedInUser } from '../helper.js'

const refused = { statusCode: 400, error: 'Bad Request', code: 'validation_error' }

test('POST /logout with {"scope":"global"} in the body is refused and ends no session', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const other = await loggedInUser(app, `${user.username}x`)
  const response = await app.inject({ method: 'POST', url: '/logout', headers: user.auth, payload: { scope: 'global' } })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { ...refused, message: /body/ })
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: user.auth })).statusCode, 200, 'the session still works')
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: other.auth })).statusCode, 200)
})

test('every route without a body schema refuses a body, however it is framed', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const user = await loggedInUser(app)
  const task = (await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'x' } })).json()
  const bodyless: InjectOptions[] = [
    { method: 'POST', url: '/logout' },
    { method: 'GET', url: '/profile' },
    { method: 'GET', url: '/todo' },
    { method: 'GET', url: '/todo/ASC' },
    { method: 'GET', url: `/todo/${task.id as number}` },
    { method: 'DELETE', url: `/todo/${task.id as number}` },
    { method: 'PUT', url: `/todo/mark/${task.id as number}/1` },
    { method: 'GET', url: '/users' },
    { method: 'DELETE', url: `/users/${user.id}` },
    { method: 'GET', url: '/admin_only' },
    { method: 'GET', url: '/health' },
    { method: 'GET', url: '/ready' },
    { method: 'GET', url: '/.well-known/jwks.json' }
  ]
  for (const request of bodyless) {
    const name = `${request.method ?? ''} ${request.url as string}`
    const json = await app.inject({ ...request, headers: admin.auth, payload: { scope: 'global' } })
    t.equal(json.statusCode, 400, `${name}: a JSON body`)
    t.match(json.json(), refused, `${name}: a JSON body`)
    const chunked = await app.inject({ ...request, headers: { ...admin.auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, payload: '{}' })
    t.equal(chunked.statusCode, 400, `${name}: a chunked body`)
    t.match(chunked.json(), refused, `${name}: a chunked body`)
  }
  t.equal((await app.inject({ method: 'GET', url: `/todo/${task.id as number}`, headers: user.auth })).statusCode, 200, 'nothing was deleted')
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: user.auth })).statusCode, 200, 'the user is still there')
})

test('a route without a body schema still answers a request without one, or with an empty one', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  const empty = await app.inject({ method: 'GET', url: '/profile', headers: { ...user.auth, 'content-length': '0' } })
  t.equal(empty.statusCode, 200)
  t.match(empty.json(), { username: user.username })
})

test('an unknown query parameter is refused on every route, also where the route takes no query', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  for (const url of ['/health?verbose=1', '/ready?x=', '/profile?fields=all', '/todo?sort=title', '/users?page=2', '/admin_only?debug', '/.well-known/jwks.json?kid=a', '/metrics?name[]=x']) {
    const response = await app.inject({ method: 'GET', url, headers: admin.auth })
    t.equal(response.statusCode, 400, url)
    t.match(response.json(), { ...refused, message: /querystring must not have the property/ }, url)
  }
  const known = await app.inject({ method: 'GET', url: '/todo?order=desc', headers: admin.auth })
  t.equal(known.statusCode, 200, 'a declared parameter still works')
})
