// ETag, If-None-Match (304) and If-Match (412) on the todo and profile routes; the page cache behind GET /todo.
import { createHash } from 'node:crypto'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { test } from 'tap'
import { createPageCache, pageBytes } from '../../plugins/page-cache.js'
import { ADMIN, build, freshDatabaseUrl, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'

const ENTITY_TAG = /^"[^"]+"$/

async function get (app: FastifyInstance, user: LoggedInUser, url: string, headers: InjectOptions['headers'] = {}): Promise<LightMyRequestResponse> {
  return await app.inject({ method: 'GET', url, headers: { ...user.auth, ...headers } })
}

async function createTask (app: FastifyInstance, user: LoggedInUser, title: string): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title } })
  if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
  return response
}

function preconditionFailed (id: number): Record<string, unknown> {
  return { statusCode: 412, error: 'Precondition Failed', code: 'precondition_failed', message: `Task ${id} has changed since the If-Match's entity tag; read it again` }
}

test('every read carries an ETag; If-None-Match that matches answers 304 without a body, anything else 200', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const task = (await createTask(app, alice, 'one')).json()
  // Not ASCII: a page kept as bytes must answer the same bytes and length as the page made from the rows.
  await createTask(app, alice, 'two: café ✓')
  const reads: Array<[LoggedInUser, string]> = [
    [alice, '/todo'], [alice, '/todo/ASC'], [alice, '/todo/DESC'], [alice, '/todo?order=desc&limit=1'], [alice, `/todo/${task.id as number}`],
    [alice, '/profile'], [alice, `/todo?userId=${alice.id}`], [admin, '/todo'], [admin, `/todo?userId=${alice.id}`]
  ]
  for (const [user, url] of reads) {
    const first = await get(app, user, url)
    t.equal(first.statusCode, 200, url)
    t.match(first.headers.etag, ENTITY_TAG, `${url}: ETag`)
    t.equal(first.headers['cache-control'], 'private, no-cache', `${url}: private, revalidate every time`)
    const etag = first.headers.etag as string

    const again = await get(app, user, url, { 'if-none-match': etag })
    t.equal(again.statusCode, 304, `${url}: exact match`)
    t.equal(again.body, '', `${url}: no body`)
    t.equal(again.headers.etag, etag, `${url}: the same ETag`)
    t.equal(again.headers['cache-control'], 'private, no-cache')

    for (const header of [`W/${etag}`, `"nope", ${etag}`, '*']) {
      const matched = await get(app, user, url, { 'if-none-match': header })
      t.equal(matched.statusCode, 304, `${url}: If-None-Match ${header} (weak comparison, lists, *)`)
    }
    for (const header of ['"nope"', etag.slice(0, -2) + '"', etag.slice(1, -1), '']) {
      const other = await get(app, user, url, { 'if-none-match': header })
      t.equal(other.statusCode, 200, `${url}: If-None-Match ${header} is no match`)
      t.equal(other.body, first.body, `${url}: the same body`)
      t.equal(other.headers['content-length'], first.headers['content-length'], `${url}: the same length`)
      t.equal(other.headers['content-type'], 'application/json; charset=utf-8', `${url}: JSON`)
    }
  }

  const anonymous = await app.inject({ method: 'GET', url: '/todo' })
  t.match(anonymous.headers.etag, ENTITY_TAG, 'the anonymous list too')
  const revalidated = await app.inject({ method: 'GET', url: '/todo', headers: { 'if-none-match': anonymous.headers.etag as string } })
  t.equal(revalidated.statusCode, 304)
  t.equal(revalidated.body, '')
})

test('any change to what a read shows gives it a new ETag: a write, a rename, a role change', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const task = (await createTask(app, alice, 'one')).json()
  const before = await get(app, alice, '/todo')
  const taskBefore = await get(app, alice, `/todo/${task.id as number}`)
  const adminBefore = await get(app, admin, '/todo')

  const edited = await app.inject({ method: 'PUT', url: `/todo/${task.id as number}`, headers: alice.auth, payload: { title: 'edited' } })
  t.equal(edited.statusCode, 200)
  const after = await get(app, alice, '/todo', { 'if-none-match': before.headers.etag as string })
  t.equal(after.statusCode, 200, 'the old ETag no longer matches')
  t.not(after.headers.etag, before.headers.etag)
  t.equal(after.json()[0].title, 'edited', 'and the page is the new one')
  const taskAfter = await get(app, alice, `/todo/${task.id as number}`, { 'if-none-match': taskBefore.headers.etag as string })
  t.equal(taskAfter.statusCode, 200)
  t.equal(taskAfter.headers.etag, edited.headers.etag, 'PUT answered the task\'s new ETag')
  const adminAfter = await get(app, admin, '/todo', { 'if-none-match': adminBefore.headers.etag as string })
  t.equal(adminAfter.statusCode, 200, 'the admin\'s everyone-list changed too')

  const profile = await get(app, bob, '/profile')
  const renamed = await app.inject({ method: 'PATCH', url: `/users/${bob.id}`, headers: admin.auth, payload: { name: 'Robert' } })
  t.equal(renamed.statusCode, 200)
  const profileAfter = await get(app, bob, '/profile', { 'if-none-match': profile.headers.etag as string })
  t.equal(profileAfter.statusCode, 200, 'a rename changes GET /profile\'s ETag')
  t.equal(profileAfter.json().name, 'Robert')

  const bobsList = await get(app, bob, '/todo')
  t.same(bobsList.json(), [], 'bob sees his own (none)')
  const promoted = await app.inject({ method: 'PATCH', url: `/users/${bob.id}`, headers: admin.auth, payload: { role: 'admin' } })
  t.equal(promoted.statusCode, 200)
  const asAdmin = await get(app, bob, '/todo', { 'if-none-match': bobsList.headers.etag as string })
  t.equal(asAdmin.statusCode, 200, 'a promotion changes what GET /todo shows, and its ETag')
  t.equal(asAdmin.json().length, 1)
  const demoted = await app.inject({ method: 'PATCH', url: `/users/${bob.id}`, headers: admin.auth, payload: { role: 'normal' } })
  t.equal(demoted.statusCode, 200)
  const back = await get(app, bob, '/todo', { 'if-none-match': asAdmin.headers.etag as string })
  t.equal(back.statusCode, 200, 'a demoted admin gets his own list at once, never the cached everyone-list')
  t.same(back.json(), [])
})

test('answers that return a task carry its ETag, which If-Match takes; a stale one answers 412 and changes nothing', async (t) => {
  const app = await build(t, ADMIN)
  const alice = await loggedInUser(app)
  const admin = await loggedInAdmin(app)
  const created = await createTask(app, alice, 'one')
  const id: number = created.json().id
  const createdTag = created.headers.etag as string
  t.match(createdTag, ENTITY_TAG, 'POST /todo answers the new task\'s ETag')
  t.equal((await get(app, alice, `/todo/${id}`)).headers.etag, createdTag, 'the same as GET /todo/:id')

  const edited = await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: { ...alice.auth, 'if-match': createdTag }, payload: { title: 'two' } })
  t.equal(edited.statusCode, 200, 'a current If-Match lets the write through')
  t.not(edited.headers.etag, createdTag)
  const current = (await get(app, alice, `/todo/${id}`)).json()

  const stale = [
    { method: 'PUT' as const, url: `/todo/${id}`, user: alice, payload: { title: 'lost update' } },
    { method: 'PUT' as const, url: `/todo/mark/${id}/1`, user: admin, payload: undefined },
    { method: 'DELETE' as const, url: `/todo/${id}`, user: alice, payload: undefined }
  ]
  for (const { method, url, user, payload } of stale) {
    for (const ifMatch of [createdTag, `W/${edited.headers.etag as string}`, '"t999.1"', 'garbage']) {
      const response = await app.inject({ method, url, headers: { ...user.auth, 'if-match': ifMatch }, payload })
      t.equal(response.statusCode, 412, `${method} ${url} If-Match ${ifMatch}`)
      t.same(response.json(), preconditionFailed(id))
    }
  }
  t.same((await get(app, alice, `/todo/${id}`)).json(), current, 'the task is untouched')

  const marked = await app.inject({ method: 'PUT', url: `/todo/mark/${id}/1`, headers: { ...admin.auth, 'if-match': `"x", ${edited.headers.etag as string}` } })
  t.equal(marked.statusCode, 200, 'a list that names the current tag matches')
  t.equal(marked.json().done, true)
  const any = await app.inject({ method: 'PUT', url: `/todo/${id}`, headers: { ...alice.auth, 'if-match': '*' }, payload: { title: 'three' } })
  t.equal(any.statusCode, 200, '* matches any current task')
  const deleted = await app.inject({ method: 'DELETE', url: `/todo/${id}`, headers: { ...alice.auth, 'if-match': any.headers.etag as string } })
  t.equal(deleted.statusCode, 204)
  const gone = await app.inject({ method: 'DELETE', url: `/todo/${id}`, headers: { ...alice.auth, 'if-match': any.headers.etag as string } })
  t.equal(gone.statusCode, 404, 'a task that is gone is 404, not 412')
  t.equal(gone.json().code, 'not_found')
})

test('concurrent writes with the same If-Match: exactly one wins, the others get 412', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const created = await createTask(app, alice, 'one')
  const id: number = created.json().id
  const results = await Promise.all(Array.from({ length: 5 }, async (_, index) => await app.inject({
    method: 'PUT', url: `/todo/${id}`, headers: { ...alice.auth, 'if-match': created.headers.etag as string }, payload: { title: `writer ${index}` }
  })))
  t.same(results.map((response) => response.statusCode).sort(), [200, 412, 412, 412, 412])
})

test('a revoked session never gets a cached page', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await createTask(app, alice, 'one')
  const cached = await get(app, alice, '/todo')
  t.equal(cached.statusCode, 200)
  t.equal((await get(app, alice, '/todo')).body, cached.body, 'served again (from the cache)')
  const logout = await app.inject({ method: 'POST', url: '/logout', headers: alice.auth })
  t.equal(logout.statusCode, 204)
  for (const headers of [{}, { 'if-none-match': cached.headers.etag as string }]) {
    const response = await get(app, alice, '/todo', headers)
    t.equal(response.statusCode, 401)
    t.equal(response.json().code, 'token_revoked')
  }
})

test('the page cache never holds more than its bound', async (t) => {
  const cache = createPageCache(2000)
  for (let index = 0; index < 100; index++) {
    cache.set(`key ${index}`, { version: 1, body: Buffer.from('x'.repeat(index * 10)), etag: '"e"', link: undefined })
    t.ok(cache.size <= 2000, `after ${index + 1} pages: ${cache.size} bytes`)
  }
  t.equal(cache.get('key 0', 1), undefined, 'the oldest went first')
  t.equal(cache.get('key 99', 1)?.body.length, 990, 'the newest is kept')
  t.equal(cache.get('key 99', 2), undefined, 'but only for the version it was made at')
  cache.set('key 99', { version: 2, body: Buffer.from('z'), etag: '"f"', link: undefined })
  t.equal(cache.get('key 99', 1), undefined, 'a newer version replaces the page')
  t.equal(cache.get('key 99', 2)?.body.toString(), 'z')
  cache.set('huge', { version: 1, body: Buffer.from('x'.repeat(5000)), etag: '"e"', link: undefined })
  t.equal(cache.get('huge', 1), undefined, 'a page larger than the bound is not kept')

  const app = await build(t, { pageCacheBytes: 4096 })
  const alice = await loggedInUser(app)
  for (let index = 0; index < 30; index++) await createTask(app, alice, `task ${index} ${'y'.repeat(150)}`)
  for (let limit = 1; limit <= 30; limit++) {
    const response = await get(app, alice, `/todo?limit=${limit}`)
    t.equal(response.statusCode, 200)
    t.equal(response.json().length, limit)
  }
  t.ok((app.pageCache?.size ?? 0) <= 4096, `the app's cache: ${app.pageCache?.size ?? 0} bytes`)
  t.ok((app.pageCache?.size ?? 0) > 0, 'and it was used')

  const off = await build(t, { pageCacheBytes: 0 })
  t.equal(off.pageCache, undefined, 'PAGE_CACHE_BYTES=0 turns it off')
  const bob = await loggedInUser(off)
  await createTask(off, bob, 'one')
  // Not ASCII: without the cache the page is sent as text, with the length and tag of its UTF-8 bytes.
  await createTask(off, bob, 'two: café ✓')
  const first = await get(off, bob, '/todo')
  t.equal(first.statusCode, 200)
  t.same(first.json().map((task: { title: string }) => task.title), ['one', 'two: café ✓'])
  t.equal(first.headers['content-length'], String(first.rawPayload.length), 'the length of the bytes, not of the text')
  t.equal(first.headers.etag, `"${createHash('sha1').update(first.rawPayload).digest('base64url')}"`, 'the tag of the bytes sent')
  const second = await get(off, bob, '/todo', { 'if-none-match': first.headers.etag as string })
  t.equal(second.statusCode, 304, 'ETags work without the cache')
})

test('a kept page owns its bytes: no shared pool slab is kept alive beyond what the bound counts', async (t) => {
  const json = '[{"title":"café ✓"}]'
  const bytes = pageBytes(json)
  t.equal(bytes.toString('utf8'), json)
  t.equal(bytes.length, Buffer.byteLength(json))
  t.equal(bytes.buffer.byteLength, bytes.length, 'its own memory, exactly its length')
  t.not(pageBytes(json).buffer, bytes.buffer, 'each page its own')
})

test('a page made at a newer version replaces the stale one instead of adding to the cache', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  let page
  for (let index = 0; index < 10; index++) {
    await createTask(app, alice, `task ${index}`)
    page = await get(app, alice, '/todo')
    t.equal(page.statusCode, 200)
  }
  // One page of ten tasks and its entry, not the ten versions that led to it.
  const held = app.pageCache?.size ?? 0
  t.ok(held > Buffer.byteLength(page?.body ?? ''), `the current page is kept (${held} bytes)`)
  t.ok(held < 2 * Buffer.byteLength(page?.body ?? ''), `and nothing else (${held} bytes for a page of ${Buffer.byteLength(page?.body ?? '')})`)
})

test('a write on instance A changes the ETag and the page instance B serves on its very next request', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const instanceA = await build(t, { databaseUrl })
  const instanceB = await build(t, { databaseUrl })
  const alice = await loggedInUser(instanceA)
  await createTask(instanceA, alice, 'one')
  const before = await get(instanceB, alice, '/todo')
  t.equal(before.statusCode, 200)
  t.equal((await get(instanceB, alice, '/todo', { 'if-none-match': before.headers.etag as string })).statusCode, 304, 'B has it cached')

  for (const write of [
    { method: 'POST' as const, url: '/todo', payload: { title: 'two' } },
    { method: 'PUT' as const, url: `/todo/${before.json()[0].id as number}`, payload: { title: 'edited' } },
    { method: 'DELETE' as const, url: `/todo/${before.json()[0].id as number}`, payload: undefined }
  ]) {
    const previous = await get(instanceB, alice, '/todo')
    const written = await instanceA.inject({ ...write, headers: alice.auth })
    t.ok(written.statusCode < 300, `${write.method} ${write.url} on A`)
    const next = await get(instanceB, alice, '/todo', { 'if-none-match': previous.headers.etag as string })
    t.equal(next.statusCode, 200, `${write.method}: B's next answer is not 304`)
    t.not(next.headers.etag, previous.headers.etag)
    t.same(next.json(), (await get(instanceA, alice, '/todo')).json(), 'B serves what A serves')
  }
})
