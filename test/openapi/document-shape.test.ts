// The shape of the served OpenAPI document that clients and Swagger UI depend on, checked over the whole document so a
// new route or schema cannot bring a known defect back: choices as enum, named bodies and nested objects, one example
// per error status, no status a route cannot give, no trailing-slash twin.
import { test } from 'tap'
import { build } from '../helper.js'
import { contractViolations } from '../contract.js'

type Node = Record<string, unknown>
interface Operation { requestBody?: { content: Record<string, { schema: Node }> }, responses: Record<string, { headers?: Node, content?: Record<string, { schema?: Node, example?: Node }> }> }
interface Document { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, Node> } }

async function servedDocument (t: Parameters<typeof build>[0]): Promise<Document> {
  const app = await build(t)
  return (await app.inject({ method: 'GET', url: '/docs/json' })).json()
}

// Calls visit on every object in the tree, with its JSON path and its parent's key.
function walk (node: unknown, visit: (node: Node, where: string, key: string) => void, where = '$', key = ''): void {
  if (typeof node !== 'object' || node === null) return
  if (!Array.isArray(node)) visit(node as Node, where, key)
  for (const [childKey, child] of Object.entries(node)) walk(child, visit, `${where}.${childKey}`, Array.isArray(node) ? key : childKey)
}

test('no choice is written as anyOf/oneOf of consts (Swagger UI and generators read the first only): enum instead', async (t) => {
  const document = await servedDocument(t)
  const offenders: string[] = []
  walk(document, (node, where) => {
    for (const keyword of ['anyOf', 'oneOf']) {
      const branches = node[keyword]
      if (Array.isArray(branches) && branches.some((branch) => typeof branch === 'object' && branch !== null && 'const' in branch)) offenders.push(`${where}.${keyword}`)
    }
  })
  t.same(offenders, [])
  const parameters = Object.values(document.paths).flatMap((item) => Object.values(item)).flatMap((operation) => (operation as { parameters?: Array<{ name: string, schema: Node }> }).parameters ?? [])
  t.match(parameters.find((parameter) => parameter.name === 'order')?.schema, { type: 'string', enum: ['asc', 'desc'] })
  t.match(parameters.find((parameter) => parameter.name === 'scope'), { required: false, schema: { enum: ['local', 'others', 'global'], default: 'local' } }, 'scope is optional')
  t.match(parameters.find((parameter) => parameter.name === 'disabled')?.schema, { type: 'boolean' })
  t.match(parameters.find((parameter) => parameter.name === 'status')?.schema, { type: 'integer', enum: [0, 1] })
})

test('no optional parameter carries an example (Swagger UI\'s Try it out would send it): it is in the description', async (t) => {
  const document = await servedDocument(t)
  const prefilled: string[] = []
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const parameter of (operation as { parameters?: Node[] }).parameters ?? []) {
        const schema = parameter.schema as Node
        if (parameter.required !== true && ['example', 'examples'].some((key) => key in parameter || key in schema)) prefilled.push(`${method.toUpperCase()} ${path} ${String(parameter.name)}`)
      }
    }
  }
  t.same(prefilled, [])
  const create = document.paths['/todo']?.post as unknown as { parameters: Node[] }
  t.match(create.parameters.find((parameter) => parameter.name === 'idempotency-key'), { description: /Example: `7f4c2a9e-create-milk`/ })
})

test('due is a standard schema: anyOf of the date and date-time formats; no format of our own anywhere', async (t) => {
  const document = await servedDocument(t)
  for (const body of ['CreateTaskBody', 'UpdateTaskBody']) {
    t.match((document.components.schemas[body]?.properties as Record<string, Node>).due, { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }] }, body)
  }
  const formats = new Set<unknown>()
  walk(document, (node) => { if (typeof node.format === 'string') formats.add(node.format) })
  t.same([...formats].filter((format) => !['date', 'date-time', 'uuid', 'int32', 'int64', 'uri'].includes(format as string)), [], 'only standard formats')
})

test('links chain POST /todo to its task\'s operations, and login and refresh to refresh and logout', async (t) => {
  const document = await servedDocument(t)
  const operationIds = new Set(Object.values(document.paths).flatMap((item) => Object.values(item)).map((operation) => (operation as { operationId?: string }).operationId))
  const links = (path: string, method: string, status: string): Record<string, { operationId: string }> => (document.paths[path]?.[method]?.responses[status] as { links?: Record<string, { operationId: string }> } | undefined)?.links ?? {}
  t.match(links('/todo', 'post', '201'), { ReadTask: { operationId: 'showTodo', parameters: { id: '$response.body#/id' } }, EditTask: { operationId: 'updateTodo' }, DeleteTask: { operationId: 'deleteTodo' } })
  for (const path of ['/login', '/refresh']) {
    t.match(links(path, 'post', '200'), { RefreshTokens: { operationId: 'refreshTokens', requestBody: { refresh_token: '$response.body#/refresh_token' } }, LogOut: { operationId: 'endSessions' } }, path)
  }
  for (const path of ['/todo', '/login', '/refresh']) {
    for (const link of Object.values(links(path, 'post', path === '/todo' ? '201' : '200'))) t.ok(operationIds.has(link.operationId), `${path}: ${link.operationId} is an operation`)
  }
})

test('every request body, and every object nested in a schema, is a named component', async (t) => {
  const document = await servedDocument(t)
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const body = operation.requestBody?.content['application/json']?.schema
      if (body !== undefined) t.match(body, { $ref: /^#\/components\/schemas\/[A-Z]\w+$/ }, `${method.toUpperCase()} ${path}: a named body`)
    }
  }
  const inline: string[] = []
  walk(document, (node, where, key) => {
    if (node.type === 'object' && (key === 'properties' || key === 'items')) inline.push(where)
  })
  t.same(inline, [], 'no inline object inside another schema')
  t.notOk('Error' in document.components.schemas, 'no component named Error (it shadows the language\'s own in generated code)')
  t.ok(document.components.schemas.Jwk, 'the JWK has a name')
})

// The codes one operation documents for one status.
function documentedCodes (document: Document, path: string, method: string, status: number): unknown {
  const schema = document.paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema as { allOf?: Array<{ properties?: { code?: { enum?: unknown } } }> } | undefined
  return schema?.allOf?.[1]?.properties?.code?.enum
}

test('each error status lists its codes as an enum, with an example per code; /ready, /health and /metrics list no 429', async (t) => {
  const document = await servedDocument(t)
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue
        const codes = documentedCodes(document, path, method, Number(status)) as string[]
        const examples = (response.content?.['application/json'] as { examples?: Record<string, { value: Node }> } | undefined)?.examples ?? {}
        t.same(Object.keys(examples), codes, `${method.toUpperCase()} ${path} ${status}: one example per code`)
        for (const [code, example] of Object.entries(examples)) t.match(example.value, { statusCode: Number(status), code }, `${method.toUpperCase()} ${path} ${status} ${code}`)
      }
    }
  }
  t.match(document.components.schemas.ApiError, { properties: { code: { $ref: '#/components/schemas/ErrorCode' } } }, 'ApiError.code is the named ErrorCode enum')
  t.match(document.components.schemas.ErrorCode, { type: 'string', enum: Array })
  for (const path of ['/ready', '/health', '/metrics']) t.notOk('429' in (document.paths[path]?.get?.responses ?? {}), `${path}: never rate limited`)
  t.notOk('413' in (document.paths['/logout']?.post?.responses ?? {}), 'a route without a body never reads one: no 413')
  t.match(document.paths['/todo']?.get?.responses['200']?.headers, { 'ratelimit-limit': { $ref: '#/components/headers/RateLimit-Limit' }, link: {} })
  t.match(document.paths['/profile']?.get?.responses['401']?.headers, { 'www-authenticate': { $ref: '#/components/headers/WWW-Authenticate' } })
  t.match(document.paths['/ready']?.get?.responses['503']?.headers, { 'retry-after': { $ref: '#/components/headers/Retry-After' } })
})

test('each operation documents the codes it sends, not those of others', async (t) => {
  const document = await servedDocument(t)
  t.same(documentedCodes(document, '/login', 'post', 401), ['invalid_credentials'])
  t.same(documentedCodes(document, '/login', 'post', 403), ['account_disabled'])
  t.same(documentedCodes(document, '/refresh', 'post', 401), ['invalid_token', 'token_expired', 'token_revoked', 'refresh_token_reused'])
  t.same(documentedCodes(document, '/register', 'post', 400), ['validation_error', 'weak_password'])
  t.same(documentedCodes(document, '/todo', 'post', 409), ['idempotency_key_in_progress'])
  for (const method of ['patch', 'delete']) {
    t.same(documentedCodes(document, '/users/{id}', method, 409), ['last_admin'], `${method} /users/{id} 409`)
    t.same(documentedCodes(document, '/users/{id}', method, 403), ['forbidden', 'account_disabled', 'own_account'], `${method} /users/{id} 403`)
  }
  for (const [path, method] of [['/login', 'post'], ['/register', 'post'], ['/profile/password', 'put']] as const) {
    t.same(documentedCodes(document, path, method, 408), ['request_timeout'], `${method} ${path} 408`)
  }
})

test('no operation answers on its path with a trailing slash (no undocumented twins)', async (t) => {
  const app = await build(t)
  const document: Document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of Object.keys(item)) {
      const url = `${path.replace(/\{id\}/, '1').replace(/\{status\}/, '1')}/`
      const response = await app.inject({ method: method.toUpperCase() as 'GET', url })
      // 404, or (GET /todo/ and GET /users/) the {id} route refusing an empty id: never the list's twin.
      t.ok([400, 401, 404].includes(response.statusCode), `${method.toUpperCase()} ${url}: ${response.statusCode}`)
      t.match(response.json(), { statusCode: response.statusCode, code: /^(not_found|invalid_token|validation_error)$/ })
    }
  }
})

test('the contract check refuses what the document does not promise', async (t) => {
  const app = await build(t)
  const documentText = JSON.stringify((await app.inject({ method: 'GET', url: '/docs/json' })).json())
  const answer = { method: 'GET', url: '/ready', status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"status":"ok"}' }
  t.same(contractViolations(documentText, answer), [], 'a documented answer passes')
  t.match(contractViolations(documentText, { ...answer, status: 429 }), [/status 429 is not listed for GET \/ready/])
  t.match(contractViolations(documentText, { ...answer, headers: { ...answer.headers, 'x-powered-by': 'me' } }), [/header x-powered-by is sent but not declared/])
  t.match(contractViolations(documentText, { ...answer, body: '{"status":"fine"}' }), [/body .*must be equal to/])
  t.match(contractViolations(documentText, { ...answer, method: 'GET', url: '/todo', headers: { ...answer.headers, 'ratelimit-remaining': 'many' }, body: '[]' }), [/header ratelimit-remaining: "many"/])
  t.same(contractViolations(documentText, { ...answer, url: '/nowhere', status: 404 }), [], 'no operation, nothing promised')
  const refusedLogin = { method: 'POST', url: '/login', status: 401, headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer realm="todo"' } }
  t.same(contractViolations(documentText, { ...refusedLogin, body: JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'Wrong username or password', code: 'invalid_credentials' }) }), [], 'a documented code passes')
  t.match(contractViolations(documentText, { ...refusedLogin, body: JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'The access token is invalid', code: 'invalid_token' }) }), [/POST \/login -> 401: body .*must be equal to one of the allowed values/], 'a code the operation does not document fails')
})
