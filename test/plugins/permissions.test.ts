// The role table and the requirePermission gate, alone.
import Fastify from 'fastify'
import { test } from 'tap'
import errors from '../../plugins/errors.js'
import { hasPermission } from '../../lib/auth/permissions.js'
import permissions from '../../plugins/permissions.js'
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Role } from '../../schemas/roles.js'

test('admins hold every permission; normal users none beyond their own things', async (t) => {
  t.same(ROLES, ['normal', 'admin'])
  for (const permission of PERMISSIONS) {
    t.ok(hasPermission('admin', permission), `admin: ${permission}`)
    t.notOk(hasPermission('normal', permission), `normal: ${permission}`)
  }
  t.same(new Set(ROLE_PERMISSIONS.admin), new Set(PERMISSIONS), 'the admin role is given every permission there is')
})

test('an unknown role, no role, or a prototype name holds nothing', async (t) => {
  for (const role of [undefined, 'root', 'Admin', '', 'constructor', '__proto__', 'toString']) {
    t.notOk(hasPermission(role as Role | undefined, 'users:manage'), `role ${String(role)}`)
  }
})

test('requirePermission lets holders through and answers others 403 forbidden in the error shape', async (t) => {
  const app = Fastify()
  await app.register(errors)
  await app.register(permissions)
  app.addHook('onRequest', async function fakeAuthenticate (request) {
    const role = request.headers['x-role']
    if (typeof role === 'string') request.user = { id: 'u', username: 'u', name: 'u', role: role as Role, createdAt: '', sessionId: 's', tasksVersion: 0 }
  })
  const gate = app.requirePermission('todo:mark')
  t.equal(gate.permission, 'todo:mark', 'the gate names its permission for the OpenAPI document')
  app.get('/marked', { preHandler: gate }, async function marked () { return { ok: true } })
  app.get('/early', { onRequest: app.requirePermission('users:manage') }, async function early () { return { ok: true } })
  t.teardown(() => app.close())

  const allowed = await app.inject({ method: 'GET', url: '/marked', headers: { 'x-role': 'admin' } })
  t.equal(allowed.statusCode, 200)
  t.same(allowed.json(), { ok: true })

  for (const headers of [{ 'x-role': 'normal' }, { 'x-role': 'root' }, {}]) {
    for (const url of ['/marked', '/early']) {
      const refused = await app.inject({ method: 'GET', url, headers })
      t.equal(refused.statusCode, 403, `${url} ${JSON.stringify(headers)}`)
      t.same(Object.keys(refused.json()).sort(), ['code', 'error', 'message', 'statusCode'])
      t.match(refused.json(), { statusCode: 403, error: 'Forbidden', code: 'forbidden', message: /todo:mark|users:manage/ })
    }
  }
  t.equal((await app.inject({ method: 'GET', url: '/early', headers: { 'x-role': 'admin' } })).statusCode, 200, 'works as an onRequest hook too')
})
