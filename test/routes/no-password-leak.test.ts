import { test, type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { ADMIN, build, loggedInAdmin } from '../helper.js'

const PASSWORD = 'Leak-Check-Secret-9931'

// A response may name neither the password, nor the word "password", nor any argon2 hash.
function assertNoPassword (t: Test, response: LightMyRequestResponse, password: string, label: string): void {
  t.notOk(response.body.includes(password), `${label}: not the password`)
  t.notMatch(response.body, /password/i, `${label}: not the word "password"`)
  t.notOk(response.body.includes('$argon2'), `${label}: no argon2 hash`)
}

type JsonSchema = Record<string, unknown>

// Every property name a schema can produce, following $refs into the document's components.
function propertyNames (schema: unknown, components: Record<string, JsonSchema>, seen = new Set<unknown>()): string[] {
  if (schema === null || typeof schema !== 'object' || seen.has(schema)) return []
  seen.add(schema)
  const node = schema as JsonSchema
  const names: string[] = []
  if (typeof node.$ref === 'string') {
    names.push(...propertyNames(components[node.$ref.replace('#/components/schemas/', '')], components, seen))
  }
  if (node.properties !== undefined && typeof node.properties === 'object') names.push(...Object.keys(node.properties as JsonSchema))
  for (const value of Object.values(node)) names.push(...propertyNames(value, components, seen))
  return names
}

test('register, login and profile answers carry no password and no hash', async (t) => {
  const app = await build(t)
  const registered = await app.inject({ method: 'POST', url: '/register', payload: { username: 'leakcheck', password: PASSWORD, name: 'Leak Check' } })
  t.equal(registered.statusCode, 201)
  t.match(registered.json(), { username: 'leakcheck', name: 'Leak Check', role: 'normal' })
  assertNoPassword(t, registered, PASSWORD, 'POST /register')

  // The database does hold an argon2id hash, so "$argon2" is the right thing to look for.
  const stored = await app.db.selectFrom('users').select('password_hash').where('username', '=', 'leakcheck').executeTakeFirstOrThrow()
  t.match(stored.password_hash, /^\$argon2id\$/)
  t.notOk(stored.password_hash.includes(PASSWORD), 'the password itself is not stored')

  const login = await app.inject({ method: 'POST', url: '/login', payload: { username: 'leakcheck', password: PASSWORD } })
  t.equal(login.statusCode, 200)
  t.match(login.json(), { token_type: 'Bearer', expires_in: 900 })
  assertNoPassword(t, login, PASSWORD, 'POST /login')
  // Nor inside the access token's header and claims.
  const [header, claims] = login.json().access_token.split('.').slice(0, 2).map((part: string) => Buffer.from(part, 'base64url').toString('utf8'))
  t.notMatch(`${header}${claims}`, /password|\$argon2/i, 'access token: no password field or hash')
  t.notOk(`${header}${claims}`.includes(PASSWORD), 'access token: not the password')

  const profile = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${login.json().access_token}` } })
  t.equal(profile.statusCode, 200)
  t.same(profile.json(), registered.json())
  assertNoPassword(t, profile, PASSWORD, 'GET /profile')
})

test('the bootstrap admin\'s password appears in no answer', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const profile = await app.inject({ method: 'GET', url: '/profile', headers: admin.auth })
  t.equal(profile.statusCode, 200)
  t.match(profile.json(), { username: ADMIN.adminUsername, role: 'admin' })
  assertNoPassword(t, profile, ADMIN.adminPassword, 'admin GET /profile')
  const adminOnly = await app.inject({ method: 'GET', url: '/admin_only', headers: admin.auth })
  t.equal(adminOnly.statusCode, 200)
  assertNoPassword(t, adminOnly, ADMIN.adminPassword, 'GET /admin_only')
})

test('refused register and login requests do not echo the password', async (t) => {
  const app = await build(t)
  const taken = await app.inject({ method: 'POST', url: '/register', payload: { username: 'echo', password: PASSWORD, name: 'Echo' } })
  t.equal(taken.statusCode, 201)

  const tooLong = `${PASSWORD}-${'z'.repeat(128)}`
  const answers: Array<[string, LightMyRequestResponse, number, string]> = [
    ['duplicate register', await app.inject({ method: 'POST', url: '/register', payload: { username: 'ECHO', password: PASSWORD, name: 'Echo' } }), 409, 'username_taken'],
    ['too long password', await app.inject({ method: 'POST', url: '/register', payload: { username: 'echo2', password: tooLong, name: 'Echo' } }), 400, 'validation_error'],
    ['wrong password', await app.inject({ method: 'POST', url: '/login', payload: { username: 'echo', password: `${PASSWORD}x` } }), 401, 'invalid_credentials'],
    ['unknown user', await app.inject({ method: 'POST', url: '/login', payload: { username: 'nobody', password: PASSWORD } }), 401, 'invalid_credentials'],
    ['unknown property', await app.inject({ method: 'POST', url: '/login', payload: { username: 'echo', password: PASSWORD, extra: PASSWORD } }), 400, 'validation_error']
  ]
  for (const [label, response, statusCode, code] of answers) {
    t.equal(response.statusCode, statusCode, `${label}: status`)
    t.match(response.json(), { statusCode, code }, `${label}: body`)
    t.notOk(response.body.includes(PASSWORD), `${label}: not the password`)
    t.notOk(response.body.includes('$argon2'), `${label}: no argon2 hash`)
  }
})

test('the OpenAPI document describes no response that could carry a password or a hash', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  const document = response.json()
  const components: Record<string, JsonSchema> = document.components.schemas
  t.ok('User' in components, 'the User schema is a named component')

  t.same(Object.keys(components.User?.properties as JsonSchema).sort(), ['createdAt', 'id', 'name', 'role', 'username'], 'User has exactly the public fields')
  t.equal(components.User?.additionalProperties, false, 'User allows no other property')

  // The user-returning routes, at the path API.md gives or with the trailing slash test/routes/openapi.test.ts reports as a bug.
  const userRoutes: Array<[string, string, string]> = [['/register', 'post', '201'], ['/login', 'post', '200'], ['/profile', 'get', '200']]
  for (const [path, method, status] of userRoutes) {
    const operation = (document.paths[path] ?? document.paths[`${path}/`])?.[method]
    const schema = operation?.responses?.[status]?.content?.['application/json']?.schema
    t.ok(schema !== undefined, `${method.toUpperCase()} ${path} ${status} has a response schema`)
    const names = propertyNames(schema, components)
    t.ok(names.length > 0, `${method.toUpperCase()} ${path} ${status}: properties found`)
    t.same(names.filter((name) => /password|hash/i.test(name)), [], `${method.toUpperCase()} ${path} ${status}: no password or hash property`)
    t.notOk(JSON.stringify(schema).includes('$argon2'), `${method.toUpperCase()} ${path} ${status}: no argon2 example`)
  }

  // Every response of every route: request bodies may name a password, answers never.
  for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, { responses?: JsonSchema }>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      const names = propertyNames(operation.responses, components)
      t.same(names.filter((name) => /password|hash/i.test(name)), [], `${method.toUpperCase()} ${path}: no response names a password or hash`)
    }
  }
  t.notOk(response.body.includes('$argon2'), 'no argon2 hash anywhere in the document')
})
