// openapi.json and clients/todo-api.ts are committed for clients to build on: both must be exactly what the
// server serves and what openapi-typescript makes of it, and the document must say what each route demands.
import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import { clientTypes, formatDocument } from '../../scripts/openapi-document.js'
import { build } from '../helper.js'

const STALE = 'stale: run `npm run openapi` and commit openapi.json and clients/todo-api.ts'

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
interface Operation {
  operationId?: string
  summary?: string
  tags?: string[]
  security?: Array<Record<string, string[]>>
  'x-required-permissions'?: string[]
  requestBody?: { content: Record<string, { schema: unknown }> }
  responses: Record<string, { description?: string, content?: Record<string, { schema: unknown }> }>
}
interface Document {
  tags: Array<{ name: string }>
  paths: Record<string, Partial<Record<Method, Operation>>>
  components: { schemas: Record<string, unknown> }
}

async function committed (path: string): Promise<string> {
  return await readFile(new URL(`../../${path}`, import.meta.url), 'utf8')
}

function operations (document: Document): Array<{ name: string, path: string, method: Method, operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({
    name: `${method.toUpperCase()} ${path}`, path, method: method as Method, operation: operation as Operation
  })))
}

// Whether a schema, or anything it refers to or contains, carries an example.
function hasExample (document: Document, schema: unknown, seen = new Set<unknown>()): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false
  seen.add(schema)
  const node = schema as Record<string, unknown>
  if (Array.isArray(node.examples) || node.example !== undefined) return true
  if (typeof node.$ref === 'string') return hasExample(document, document.components.schemas[node.$ref.replace('#/components/schemas/', '')], seen)
  return Object.values(node).some((child) => hasExample(document, child, seen))
}

test('openapi.json is byte for byte what GET /docs/json serves', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  t.ok(formatDocument(response.json()) === await committed('openapi.json'), `openapi.json is ${STALE}`)
  t.same(JSON.parse(await committed('openapi.json')), response.json(), 'the difference, if any')
})

test('clients/todo-api.ts is what openapi-typescript generates from openapi.json', async (t) => {
  t.ok(await clientTypes(await committed('openapi.json')) === await committed('clients/todo-api.ts'), `clients/todo-api.ts is ${STALE}`)
})

test('every operation has an operationId, a summary, known tags, and examples for its bodies', async (t) => {
  const document: Document = JSON.parse(await committed('openapi.json'))
  const knownTags = new Set(document.tags.map((tag) => tag.name))
  const operationIds = new Set<string>()
  for (const { name, operation } of operations(document)) {
    t.match(operation.operationId, /^[a-z][A-Za-z]+$/, `${name}: operationId`)
    t.notOk(operationIds.has(operation.operationId ?? ''), `${name}: operationId is unique`)
    operationIds.add(operation.operationId ?? '')
    t.match(operation.summary, /\S/, `${name}: summary`)
    t.ok((operation.tags ?? []).length > 0 && (operation.tags ?? []).every((tag) => knownTags.has(tag)), `${name}: declared tags`)
    const body = operation.requestBody?.content['application/json']
    if (body !== undefined) t.ok(hasExample(document, body), `${name}: the request body has examples`)
    for (const [status, response] of Object.entries(operation.responses)) {
      t.match(response.description, /\S/, `${name} ${status}: described`)
      for (const media of Object.values(response.content ?? {})) {
        t.ok(hasExample(document, media), `${name} ${status}: the response body has examples`)
        if (Number(status) >= 400) t.match(media.schema, { allOf: [{ $ref: '#/components/schemas/ApiError' }, { required: ['code'], properties: { code: { enum: Array } } }] }, `${name} ${status}: the error schema, its codes an enum`)
      }
    }
  }
})

// The four kinds of security in this API, as each route behaves (test/routes/openapi.test.ts checks the behaviour).
const SECURITY: Record<string, 'none' | 'optional' | 'bearer' | 'admin'> = {
  'POST /register': 'none',
  'POST /login': 'none',
  'POST /refresh': 'none',
  'GET /health': 'none',
  'GET /ready': 'none',
  'GET /metrics': 'none',
  'GET /.well-known/jwks.json': 'none',
  'GET /todo': 'optional',
  'GET /todo/ASC': 'optional',
  'GET /todo/DESC': 'optional',
  'POST /logout': 'bearer',
  'GET /profile': 'bearer',
  'PUT /profile/password': 'bearer',
  'POST /todo': 'bearer',
  'GET /todo/{id}': 'bearer',
  'PUT /todo/{id}': 'bearer',
  'DELETE /todo/{id}': 'bearer',
  'GET /admin_only': 'admin',
  'PUT /todo/mark/{id}/{status}': 'admin',
  'GET /users': 'admin',
  'GET /users/{id}': 'admin',
  'PATCH /users/{id}': 'admin',
  'DELETE /users/{id}': 'admin',
  'DELETE /users/{id}/sessions': 'admin'
}

test('security per operation: none, optional, bearer, or admin (bearer and a named permission)', async (t) => {
  const document: Document = JSON.parse(await committed('openapi.json'))
  const documented = operations(document)
  t.same(documented.map(({ name }) => name).sort(), Object.keys(SECURITY).sort(), 'exactly these operations')
  for (const { name, operation } of documented) {
    const kind = SECURITY[name]
    const statuses = Object.keys(operation.responses)
    if (kind === 'none') t.same(operation.security, [], `${name}: no token`)
    if (kind === 'optional') t.same(operation.security, [{}, { bearerAuth: [] }], `${name}: an optional token`)
    if (kind === 'bearer' || kind === 'admin') t.same(operation.security, [{ bearerAuth: [] }], `${name}: a bearer token`)
    if (kind !== 'none') t.ok(statuses.includes('401'), `${name}: documents 401`)
    if (kind === 'admin') {
      t.match(operation['x-required-permissions'], [/^(admin:access|todo:mark|users:manage)$/], `${name}: names its permission`)
      t.ok(statuses.includes('403'), `${name}: documents 403`)
    } else {
      t.equal(operation['x-required-permissions'], undefined, `${name}: needs no permission`)
    }
  }
})

test('the Administration operations document their own errors', async (t) => {
  const document: Document = JSON.parse(await committed('openapi.json'))
  const statuses = (path: string, method: Method) => Object.keys(document.paths[path]?.[method]?.responses ?? {})
  t.match(statuses('/users', 'get'), ['200', '400', '401', '403'])
  t.match(statuses('/users/{id}', 'get'), ['200', '400', '401', '403', '404'])
  t.match(statuses('/users/{id}', 'patch'), ['200', '400', '401', '403', '404', '409', '413', '415'])
  t.match(statuses('/users/{id}', 'delete'), ['204', '400', '401', '403', '404', '409'])
  t.match(document.paths['/users']?.get?.responses['200'], { headers: { link: { schema: { type: 'string' } } } }, 'the Link header')
})
