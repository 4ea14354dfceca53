// Property tests: generated junk at every route the app serves (found by an onRoute hook, so new routes are covered
// without a change here), as anonymous, a normal user and an admin. Every answer must be below 500, documented by the
// route that gave it, in the error shape with a known code when it is an error, and arrive within the run timeout;
// a refused request (and any GET) must leave every table as it was.
// FC_SEED, FC_RUNS (per property), FC_PATH and FC_TIMEOUT (ms per run) override the defaults; FC_KNOWN_BUGS=1 fails on the known bugs.
import { test } from 'tap'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { ADMIN, build, loggedInAdmin, loggedInUser, onPostgres } from '../helper.js'
import {
  buildProbe, exchange, fcOptions, junkAuthorization, junkContentType, junkJsonText, junkQuery, junkSegment, jsonContentType, oneWrongFieldBody,
  junkHeaders, mangledPath, pathFor, pickRoute, plainQuery, rawBody, RUNS, SEED, takesBody, Tally, textFieldsBody, who, type JunkRequest, type Probe
} from './fixtures/junk.js'

const JUNK_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'SEARCH', 'PROPFIND']

type Arbitraries = (probe: Probe) => fc.Arbitrary<JunkRequest>
type ExtraCheck = (probe: Probe, request: JunkRequest, response: LightMyRequestResponse) => string | undefined

// One property: one app and its accounts for all runs, one request a run.
function property (name: string, requests: Arbitraries, extraCheck?: ExtraCheck): void {
  test(`${name} (fast-check seed ${SEED}, ${RUNS} runs${onPostgres ? ', PostgreSQL' : ', SQLite'})`, async (t) => {
    const started = performance.now()
    const probe = await buildProbe(t)
    const tally = new Tally()
    const built = performance.now()
    t.comment(`replay a failure: FC_SEED=${SEED} FC_RUNS=${RUNS} FC_PATH=<path from its report> npm test -- --grep="${name}" test/property/routes-junk.test.ts`)
    await fc.assert(fc.asyncProperty(requests(probe), async (request) => {
      const response = await exchange(probe, request, tally)
      const problem = extraCheck?.(probe, request, response)
      if (problem !== undefined) throw new Error(`${problem}: ${request.method} ${request.path}${request.query} -> ${response.statusCode} ${response.body.slice(0, 300)}`)
    }), fcOptions())
    t.comment(`${tally.summary(probe)}; app and accounts ${Math.round(built - started)} ms, runs ${Math.round(performance.now() - built)} ms`)
    t.pass('every answer kept the contract')
  })
}

// Mostly to routes that read a body; GET and HEAD ignore one, and get a share too.
property('junk JSON bodies', (probe) => pickRoute(probe, takesBody, 6).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 10),
  query: plainQuery(probe, route),
  auth: who.map((name) => ({ kind: 'principal' as const, who: name })),
  contentType: jsonContentType,
  payload: junkJsonText(probe, route.body)
})))

// Each known body field in turn gets a value of another JSON type while the others are plausible: never accepted,
// and for an admin (who may call every route) exactly 400 validation_error, since bodies are validated before handlers.
property('a wrong type for each known body field', (probe) => fc.constantFrom(...probe.routes.filter((route) => Object.keys(route.body).length > 0)).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 0),
  query: plainQuery(probe, route),
  auth: fc.constantFrom('user' as const, 'admin' as const).map((name) => ({ kind: 'principal' as const, who: name })),
  contentType: jsonContentType,
  payload: oneWrongFieldBody(probe, route.body).map(({ body }) => JSON.stringify(body))
})), (_probe, request, response) => {
  if (response.statusCode < 400) return 'a body with a wrongly typed field was accepted'
  const asAdmin = request.auth.kind === 'principal' && request.auth.who === 'admin'
  if (asAdmin && (response.statusCode !== 400 || (request.method !== 'HEAD' && response.json().code !== 'validation_error'))) return 'an admin\'s wrongly typed field was not 400 validation_error'
  return undefined
})

// Bodies that fit the schema except that string fields carry any text (controls, U+0000, lone surrogates, emoji):
// the kind of junk that reaches the database, which must store it or refuse it with a 4xx, never fail.
property('any text in the string fields of valid bodies', (probe) => fc.constantFrom(...probe.routes.filter((route) => Object.keys(route.body).length > 0)).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 0),
  query: plainQuery(probe, route),
  auth: fc.constantFrom('user' as const, 'admin' as const).map((name) => ({ kind: 'principal' as const, who: name })),
  contentType: jsonContentType,
  payload: textFieldsBody(probe, route.body).map((body) => JSON.stringify(body))
})))

property('junk query strings', (probe) => pickRoute(probe).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 10),
  query: junkQuery(probe, route),
  auth: who.map((name) => ({ kind: 'principal' as const, who: name }))
})))

// Parameters replaced by junk (':id', ':status', Swagger UI's '*'), junk segments added to a route that has none,
// or the route's own path bent out of shape.
property('junk path segments', (probe) => pickRoute(probe).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: fc.oneof(
    { arbitrary: pathFor(probe, route, 10).chain(mangledPath), weight: 1 },
    {
      arbitrary: Object.keys(route.params).length > 0 || route.url.endsWith('*')
        ? pathFor(probe, route, 100)
        : fc.array(junkSegment, { minLength: 1, maxLength: 2 }).map((segments) => `${route.url === '/' ? '' : route.url}/${segments.join('/')}`),
      weight: 3
    }
  ),
  query: plainQuery(probe, route),
  auth: who.map((name) => ({ kind: 'principal' as const, who: name }))
})))

property('junk content types and raw bodies', (probe) => fc.constantFrom(...probe.routes.filter(takesBody)).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 10),
  query: plainQuery(probe, route),
  auth: who.map((name) => ({ kind: 'principal' as const, who: name })),
  contentType: junkContentType,
  payload: fc.oneof(rawBody, junkJsonText(probe, route.body))
}, { requiredKeys: ['method', 'route', 'path', 'query', 'auth', 'payload'] })))

// A header that is no token of ours is refused with 401 invalid_token on every route that reads tokens, before anything else.
property('junk Authorization headers', (probe) => pickRoute(probe).chain((route) => fc.record({
  method: fc.constant(route.method),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 10),
  query: plainQuery(probe, route),
  auth: junkAuthorization(probe),
  contentType: jsonContentType,
  payload: junkJsonText(probe, route.body)
})), (probe, request, response) => {
  const answeredBy = probe.routeByKey.get(String(response.headers['x-answered-by']))
  if (request.auth.kind !== 'raw' || answeredBy === undefined || answeredBy.security === 'none') return undefined
  if (response.statusCode !== 401 || (request.method !== 'HEAD' && response.json().code !== 'invalid_token')) return 'a junk Authorization header was not 401 invalid_token'
  return undefined
})

property('junk everywhere at once', (probe) => pickRoute(probe).chain((route) => fc.record({
  method: fc.oneof({ arbitrary: fc.constant(route.method), weight: 4 }, { arbitrary: fc.constantFrom(...JUNK_METHODS), weight: 1 }),
  route: fc.constant(route.url),
  path: pathFor(probe, route, 50),
  query: junkQuery(probe, route),
  auth: fc.oneof(who.map((name) => ({ kind: 'principal' as const, who: name })), junkAuthorization(probe)),
  contentType: junkContentType,
  payload: fc.oneof(rawBody, junkJsonText(probe, route.body)),
  headers: junkHeaders
}, { requiredKeys: ['method', 'route', 'path', 'query', 'auth'] })))

// The minimal examples of what the properties above once found, kept as regression tests.
test('bugs found by the junk properties, as minimal examples', async (t) => {
  const app = await build(t, ADMIN)
  const user = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const created = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'mine' } })
  const taskId = created.json().id as number
  const openapi = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }

  t.test('nul-in-text-on-postgres: U+0000 in a text field is refused with 400', async (t) => {
    const cases: Array<[string, string, Record<string, string>, unknown]> = [
      ['POST', '/login', {}, { username: 'a\u0000b', password: 'whatever' }],
      ['POST', '/register', {}, { username: 'nul_name', password: 'a perfectly fine passphrase', name: 'N\u0000' }],
      ['POST', '/todo', user.auth, { title: 'a\u0000b' }],
      ['POST', '/todo', user.auth, { title: 'ok', description: 'd\u0000' }],
      ['PUT', `/todo/${taskId}`, user.auth, { title: 'a\u0000b' }],
      ['PATCH', `/users/${admin.id}`, admin.auth, { name: 'N\u0000' }]
    ]
    for (const [method, url, headers, payload] of cases) {
      const response = await app.inject({ method: method as 'POST', url, headers, payload: payload as Record<string, string> })
      t.equal(response.statusCode, 400, `${method} ${url} ${JSON.stringify(payload)}`)
      t.match(response.json(), { code: 'validation_error' })
    }
  })

  t.test('router-errors-off-contract: a bad percent-escape or an overlong parameter skips the error handler', async (t) => {
    for (const url of ['/todo/%E0', `/users/${'a'.repeat(201)}`]) {
      const response = await app.inject({ method: 'GET', url, headers: admin.auth })
      t.equal(response.statusCode, 400, `GET ${url.slice(0, 20)}… is 400`)
      t.equal(response.headers['content-type'], 'application/json; charset=utf-8', 'JSON with its charset')
      t.match(response.json(), { statusCode: 400, error: 'Bad Request', code: 'validation_error' }, 'the error shape and code')
    }
  })

  t.test('undocumented-413-415-on-bodyless-routes: routes without a body still parse one, with statuses they do not document', async (t) => {
    const cases: Array<[string, string, string, Record<string, string>]> = [
      ['DELETE', `/todo/${taskId}`, '/todo/{id}', user.auth],
      ['PUT', `/todo/mark/${taskId}/1`, '/todo/mark/{id}/{status}', admin.auth],
      ['DELETE', `/users/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, '/users/{id}', admin.auth],
      ['POST', '/logout', '/logout', user.auth]
    ]
    for (const [method, url, path, headers] of cases) {
      const response = await app.inject({ method: method as 'POST', url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'x' })
      const documented = Object.keys(openapi.paths[path]?.[method.toLowerCase()]?.responses ?? {})
      t.ok(documented.includes(String(response.statusCode)), `${method} ${path} with a text body answers ${response.statusCode}; documented: ${documented.join(', ')}`)
    }
  })
})
