// GET /docs/json: an OpenAPI 3.1 document that lists every route the app serves, as API.md describes it.
import { test, type Test } from 'tap'
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import app from '../../app.js'
import { serverOptions } from '../../lib/http/server-options.js'
import { testConfig } from '../helper.js'

type Method = 'get' | 'post' | 'put' | 'delete' | 'patch'

interface Operation {
  summary?: string
  security?: Array<Record<string, string[]>>
  responses: Record<string, { description?: string, headers?: Record<string, { schema?: { type?: string } }>, content?: { 'application/json'?: { schema?: Record<string, unknown> } } }>
}

interface OpenApiDocument {
  openapi: string
  info: { title: string, version: string }
  paths: Record<string, Partial<Record<Method, Operation>>>
  components: {
    securitySchemes: Record<string, Record<string, unknown>>
    schemas: Record<string, { type?: string, properties?: Record<string, unknown>, required?: string[], additionalProperties?: boolean }>
  }
}

interface ServedRoute {
  method: Method
  path: string
  hooks: string[]
  hasBody: boolean
}

// Every status each route can send, from API.md's tables and conventions.
const EXPECTED: Array<{ method: Method, path: string, statuses: number[], authenticated: boolean | 'optional' }> = [
  { method: 'post', path: '/register', statuses: [201, 400, 409, 429], authenticated: false },
  { method: 'post', path: '/login', statuses: [200, 400, 401, 403, 429], authenticated: false },
  { method: 'post', path: '/refresh', statuses: [200, 400, 401, 429], authenticated: false },
  { method: 'post', path: '/logout', statuses: [204, 400, 401], authenticated: true },
  { method: 'get', path: '/profile', statuses: [200, 401, 403], authenticated: true },
  { method: 'put', path: '/profile/password', statuses: [204, 400, 401], authenticated: true },
  { method: 'get', path: '/admin_only', statuses: [200, 401, 403], authenticated: true },
  { method: 'get', path: '/.well-known/jwks.json', statuses: [200], authenticated: false },
  { method: 'get', path: '/health', statuses: [200], authenticated: false },
  { method: 'get', path: '/ready', statuses: [200, 503], authenticated: false },
  { method: 'get', path: '/todo', statuses: [200, 400, 401, 403], authenticated: 'optional' },
  { method: 'get', path: '/todo/ASC', statuses: [200, 400, 401, 403], authenticated: 'optional' },
  { method: 'get', path: '/todo/DESC', statuses: [200, 400, 401, 403], authenticated: 'optional' },
  { method: 'post', path: '/todo', statuses: [201, 400, 401], authenticated: true },
  { method: 'get', path: '/todo/{id}', statuses: [200, 400, 401, 404], authenticated: true },
  { method: 'put', path: '/todo/{id}', statuses: [200, 400, 401, 403, 404], authenticated: true },
  { method: 'delete', path: '/todo/{id}', statuses: [204, 400, 401, 404], authenticated: true },
  { method: 'put', path: '/todo/mark/{id}/{status}', statuses: [200, 400, 401, 403, 404], authenticated: true }
]

function hookNames (hook: RouteOptions['onRequest'] | RouteOptions['preHandler']): string[] {
  if (hook === undefined) return []
  return (Array.isArray(hook) ? hook : [hook]).map((fn) => (fn as { name: string }).name)
}

// The real app, with a record of every route as Fastify registers it (before @fastify/swagger sees it).
async function buildWithRouteRecord (t: Test): Promise<{ fastify: FastifyInstance, served: ServedRoute[] }> {
  const config = testConfig()
  const fastify = Fastify(serverOptions(config))
  const served: ServedRoute[] = []
  fastify.addHook('onRoute', function recordRoute (route) {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || hidden) continue
      served.push({
        method: method.toLowerCase() as Method,
        path: route.url.replace(/:(\w+)/g, '{$1}'),
        hooks: [...hookNames(route.onRequest), ...hookNames(route.preHandler)],
        hasBody: route.schema?.body !== undefined
      })
    }
  })
  await fastify.register(app, { config })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return { fastify, served }
}

async function openApiDocument (t: Test): Promise<{ document: OpenApiDocument, served: ServedRoute[], fastify: FastifyInstance }> {
  const { fastify, served } = await buildWithRouteRecord(t)
  const response = await fastify.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200, 'GET /docs/json answers 200')
  t.match(response.headers['content-type'], /^application\/json/)
  return { document: response.json(), served, fastify }
}

function operationFor (document: OpenApiDocument, method: Method, path: string): Operation | undefined {
  return document.paths[path]?.[method]
}

function walk (value: unknown, visit: (node: Record<string, unknown>, where: string) => void, where = '$'): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, visit, `${where}[${index}]`))
  } else if (typeof value === 'object' && value !== null) {
    visit(value as Record<string, unknown>, where)
    for (const [key, child] of Object.entries(value)) walk(child, visit, `${where}.${key}`)
  }
}

test('GET /docs/json is an OpenAPI 3.1.0 document', async (t) => {
  const { document } = await openApiDocument(t)
  t.equal(document.openapi, '3.1.0')
  t.match(document.info, { title: String, version: String })
})

test('bearerAuth is an HTTP bearer scheme', async (t) => {
  const { document } = await openApiDocument(t)
  t.match(document.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' })
})

test('the shared schemas are named components', async (t) => {
  const { document } = await openApiDocument(t)
  const { schemas } = document.components
  for (const name of ['ApiError', 'User', 'Task', 'TokenPair']) t.ok(schemas[name], `components.schemas.${name}`)
  t.same(schemas.ApiError?.required, ['statusCode', 'error', 'message', 'code'])
  t.same(Object.keys(schemas.User?.properties ?? {}).sort(), ['createdAt', 'id', 'name', 'role', 'username'])
  t.same(Object.keys(schemas.Task?.properties ?? {}).sort(), ['createdAt', 'description', 'done', 'due', 'id', 'title', 'updatedAt', 'userId'])
  t.same(Object.keys(schemas.TokenPair?.properties ?? {}).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type'])
  for (const name of ['ApiError', 'User', 'Task', 'TokenPair']) t.equal(schemas[name]?.additionalProperties, false, `${name} is closed`)
})

test('every route the contract names is documented with a summary and every status it can send', async (t) => {
  const { document } = await openApiDocument(t)
  for (const route of EXPECTED) {
    const name = `${route.method.toUpperCase()} ${route.path}`
    t.ok(document.paths[route.path]?.[route.method], `${name} is under its exact path`)
    const operation = operationFor(document, route.method, route.path)
    if (operation === undefined) {
      t.fail(`${name} is missing from the document`)
      continue
    }
    t.match(operation.summary, /\S/, `${name} has a summary`)
    const documented = Object.keys(operation.responses).map(Number)
    for (const status of route.statuses) t.ok(documented.includes(status), `${name} documents ${status}`)
  }
})

test('authenticated routes require bearerAuth; public ones do not; GET /todo lists it as optional', async (t) => {
  const { document } = await openApiDocument(t)
  for (const route of EXPECTED) {
    const name = `${route.method.toUpperCase()} ${route.path}`
    const security = operationFor(document, route.method, route.path)?.security
    if (route.authenticated === true) t.same(security, [{ bearerAuth: [] }], `${name} needs a bearer token`)
    else if (route.authenticated === 'optional') t.same(security, [{}, { bearerAuth: [] }], `${name} takes an optional bearer token`)
    else t.notOk(security?.some((requirement) => 'bearerAuth' in requirement), `${name} is public`)
  }
})

// How a route treats a caller without a token, and one with a token that cannot be valid.
async function authenticationOf (fastify: FastifyInstance, route: ServedRoute): Promise<'required' | 'optional' | 'none'> {
  const url = route.path.replace(/\{\w+\}/g, '1')
  const payload = route.method === 'get' || route.method === 'delete' ? undefined : {}
  const anonymous = await fastify.inject({ method: route.method.toUpperCase() as 'GET', url, payload })
  if (anonymous.statusCode === 401) return 'required'
  const badToken = await fastify.inject({ method: route.method.toUpperCase() as 'GET', url, payload, headers: { authorization: 'Bearer a.b.c' } })
  return badToken.statusCode === 401 ? 'optional' : 'none'
}

test('every route the app serves is in the document, as its behaviour says', async (t) => {
  const { document, served, fastify } = await openApiDocument(t)
  t.ok(served.length >= EXPECTED.length, 'routes were recorded')
  for (const route of served) {
    const name = `${route.method.toUpperCase()} ${route.path}`
    const operation = operationFor(document, route.method, route.path)
    t.ok(operation, `${name} is documented`)
    if (operation === undefined) continue
    t.match(operation.summary, /\S/, `${name} has a summary`)
    const documented = Object.keys(operation.responses).map(Number)
    t.ok(documented.some((status) => status >= 200 && status < 300), `${name} documents a success`)
    const authentication = await authenticationOf(fastify, route)
    if (authentication === 'required') {
      t.same(operation.security, [{ bearerAuth: [] }], `${name} answers 401 without a token, so it documents bearerAuth`)
      t.ok(documented.includes(401), `${name} documents 401`)
    } else if (authentication === 'optional') {
      t.same(operation.security, [{}, { bearerAuth: [] }], `${name} takes an optional token, so it documents bearerAuth as optional`)
      t.ok(documented.includes(401), `${name} documents 401`)
    } else {
      t.notOk(operation.security?.some((requirement) => 'bearerAuth' in requirement), `${name} ignores tokens, so it documents no bearerAuth`)
    }
    if (route.hooks.includes('requireAdmin')) t.ok(documented.includes(403), `${name} runs requireAdmin, so it documents 403`)
    if (route.hasBody) {
      t.ok(documented.includes(400), `${name} has a body, so it documents 400`)
      t.ok(documented.includes(413) && documented.includes(415), `${name} has a body, so it documents 413 and 415`)
    }
  }
})

test('the document lists no path the app does not serve', async (t) => {
  const { document, served } = await openApiDocument(t)
  const servedPaths = new Set(served.map((route) => route.path))
  for (const path of Object.keys(document.paths)) {
    t.ok(servedPaths.has(path), `${path} is a path the app serves as written`)
  }
})

test('every documented error is the ApiError schema with its code narrowed to an enum', async (t) => {
  const { document } = await openApiDocument(t)
  let errorResponses = 0
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue
        errorResponses++
        t.match(response.content?.['application/json']?.schema, { allOf: [{ $ref: '#/components/schemas/ApiError' }, { properties: { code: { enum: Array } } }] }, `${method.toUpperCase()} ${path} ${status}`)
        t.match(response.description, /\S/, `${method.toUpperCase()} ${path} ${status} is described`)
      }
    }
  }
  t.ok(errorResponses > 0, 'there are documented errors')
})

test('the headers a client follows are documented: Link on every paginated list, Location on a created task', async (t) => {
  const { document } = await openApiDocument(t)
  const headersOf = (path: string, method: Method, status: string) => document.paths[path]?.[method]?.responses[status]?.headers
  for (const path of ['/todo', '/todo/ASC', '/todo/DESC', '/users']) {
    t.match(headersOf(path, 'get', '200'), { link: { schema: { type: 'string' } } }, `GET ${path} 200: Link`)
  }
  t.match(headersOf('/todo', 'post', '201'), { location: { schema: { type: 'string' } } }, 'POST /todo 201: Location')
  t.same(document.paths['/todo']?.post?.responses['201']?.content?.['application/json']?.schema, { $ref: '#/components/schemas/Task' }, 'the body is still a Task')
})

test('no schema anywhere has a password_hash property, and no response a password', async (t) => {
  const { document } = await openApiDocument(t)
  const offenders: string[] = []
  walk(document, (node, where) => {
    const properties = node.properties as Record<string, unknown> | undefined
    if (properties !== undefined && typeof properties === 'object' && ('password_hash' in properties || 'passwordHash' in properties)) offenders.push(where)
    if (Array.isArray(node.required) && (node.required.includes('password_hash') || node.required.includes('passwordHash'))) offenders.push(where)
  })
  t.same(offenders, [], 'no password_hash')

  const responseOffenders: string[] = []
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      walk(operation.responses, (node, where) => {
        const properties = node.properties as Record<string, unknown> | undefined
        if (properties !== undefined && Object.keys(properties).some((key) => /password/i.test(key))) responseOffenders.push(`${method} ${path} ${where}`)
      })
    }
  }
  // Request bodies (RegisterBody, LoginBody, ...) are components too, and carry passwords inward only.
  const requestBodies = new Set(JSON.stringify(Object.values(document.paths)).match(/"requestBody":\{[^}]*"\$ref":"#\/components\/schemas\/(\w+)"/g)?.map((match) => match.replace(/.*\//, '').replace('"', '')))
  const answered = Object.fromEntries(Object.entries(document.components.schemas).filter(([name]) => !requestBodies.has(name)))
  t.ok(requestBodies.has('LoginBody'), 'request bodies are told apart')
  walk(answered, (node, where) => {
    const properties = node.properties as Record<string, unknown> | undefined
    if (properties !== undefined && Object.keys(properties).some((key) => /password/i.test(key))) responseOffenders.push(`components.schemas${where.slice(1)}`)
  })
  t.same(responseOffenders, [], 'no response schema or shared schema has a password property')
  t.notMatch(JSON.stringify(document), /password_hash/, 'the string password_hash appears nowhere')
})

test('GET /docs serves the Swagger UI', async (t) => {
  const { fastify } = await buildWithRouteRecord(t)
  const response = await fastify.inject({ method: 'GET', url: '/docs' })
  t.ok([200, 302].includes(response.statusCode), `200 or a redirect, got ${response.statusCode}`)
  if (response.statusCode === 200) {
    t.match(response.headers['content-type'], /^text\/html/)
    t.match(response.body, /swagger-ui/i)
  } else {
    t.match(response.headers.location, /^\.?\/?docs\/|^\.\/|static\/index\.html/)
  }
})
