// clients/http-semantics.ts through the generated client (openapi-fetch) against the built server on a real port:
// Idempotency-Key replays, Link pagination, ETag revalidation with 304 as a success, and If-Match guarding a write.
import createClient, { type Middleware } from 'openapi-fetch'
import { test } from 'tap'
import { idempotencyKey, ifMatch, nextPageCursor, RevalidatingCache } from '../../clients/http-semantics.js'
import type { paths } from '../../clients/todo-api.js'
import { freshDatabaseUrl, onPostgres } from '../helper.js'
import { startServer } from '../server-process.js'

function bearer (token: string): Middleware {
  return {
    async onRequest ({ request }) {
      request.headers.set('authorization', `Bearer ${token}`)
      return request
    }
  }
}

test('the HTTP semantics helper with the generated client: replay, pages, 304 and If-Match', async (t) => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : `sqlite:${t.testdir()}/semantics.db`
  const server = await startServer({ DATABASE_URL: databaseUrl, RATE_LIMIT_AUTH: '0' })
  t.teardown(() => server.stop())
  const anonymous = createClient<paths>({ baseUrl: server.url })
  await anonymous.POST('/register', { body: { username: 'semantic', password: 'a passphrase for semantics', name: 'Sem' } })
  const login = await anonymous.POST('/login', { body: { username: 'semantic', password: 'a passphrase for semantics' } })
  if (login.data === undefined) throw new Error('login failed')
  const api = createClient<paths>({ baseUrl: server.url })
  api.use(bearer(login.data.access_token))

  const key = idempotencyKey()
  const first = await api.POST('/todo', { params: { header: key }, body: { title: 'once', due: '2026-12-01' } })
  const retried = await api.POST('/todo', { params: { header: key }, body: { title: 'once', due: '2026-12-01' } })
  t.equal(first.response.status, 201)
  t.equal(retried.data?.id, first.data?.id, 'the retry with the same key answers the first task')
  for (const day of ['02', '03']) await api.POST('/todo', { params: { header: idempotencyKey() }, body: { title: `task ${day}`, due: `2026-12-${day}` } })

  const titles: string[] = []
  let cursor: string | undefined
  do {
    const page = await api.GET('/todo', { params: { query: { order: 'asc', limit: 2, cursor } } })
    titles.push(...(page.data ?? []).map((task) => task.title))
    cursor = nextPageCursor(page.response)
  } while (cursor !== undefined)
  t.same(titles, ['once', 'task 02', 'task 03'], 'two pages through Link rel="next"')

  const id = first.data?.id ?? 0
  const cache = new RevalidatingCache()
  const read = async () => await cache.read(`/todo/${id}`, async (header) => await api.GET('/todo/{id}', { params: { path: { id }, header } }))
  const fresh = await read()
  t.match(fresh, { fromCache: false, data: { id, title: 'once' } })
  const again = await read()
  t.equal(again.response.status, 304)
  t.match(again, { fromCache: true, data: { id, title: 'once' } }, '304 is a success: the kept copy is current')

  const stale = ifMatch(fresh.response)
  const edited = await api.PUT('/todo/{id}', { params: { path: { id }, header: stale }, body: { title: 'edited' } })
  t.equal(edited.response.status, 200)
  const lost = await api.PUT('/todo/{id}', { params: { path: { id }, header: stale }, body: { title: 'lost update' } })
  t.equal(lost.response.status, 412)
  t.equal(lost.error?.code, 'precondition_failed')
  const chained = await api.PUT('/todo/{id}', { params: { path: { id }, header: ifMatch(edited.response) }, body: { title: 'chained' } })
  t.equal(chained.response.status, 200, 'the ETag of a write guards the next one')
  t.match((await read()).data, { title: 'chained' }, 'after a write the cache reads the new representation')
})
