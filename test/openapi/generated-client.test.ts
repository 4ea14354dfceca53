// End to end through the client generated from openapi.json (openapi-typescript + openapi-fetch), against the
// built server listening on a real port. Every call and every answer is typed from clients/todo-api.ts, and
// `tsc --noEmit` checks this file: a route that drifts from the committed document breaks the build here.
import createClient, { type Middleware } from 'openapi-fetch'
import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import type { components, paths } from '../../clients/todo-api.js'
import { freshDatabaseUrl, onPostgres } from '../helper.js'
import { startServer } from '../server-process.js'

type User = components['schemas']['User']
type ManagedUser = components['schemas']['ManagedUser']
type TokenPair = components['schemas']['TokenPair']
type Task = components['schemas']['Task']
type ApiError = components['schemas']['ApiError']

const ADMIN_USERNAME = 'operator'
const ADMIN_PASSWORD = 'an operator passphrase for the e2e test'

// The bearer token travels in a header the document declares through bearerAuth, not as a typed parameter.
function bearer (token: string): Middleware {
  return {
    async onRequest ({ request }) {
      request.headers.set('authorization', `Bearer ${token}`)
      return request
    }
  }
}

test('register, log in, create, list, mark as admin, administer and log out through the generated client', async (t) => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : `sqlite:${t.testdir()}/e2e.db`
  const server = await startServer({ DATABASE_URL: databaseUrl, ADMIN_USERNAME, ADMIN_PASSWORD, RATE_LIMIT_AUTH: '0' })
  t.teardown(() => server.stop())
  const anonymous = createClient<paths>({ baseUrl: server.url })

  const served = await anonymous.GET('/health')
  t.same(served.data, { status: 'ok' })

  const registered = await anonymous.POST('/register', { body: { username: 'alice', password: 'a passphrase nobody guesses', name: 'Alice' } })
  t.equal(registered.response.status, 201)
  const alice: User | undefined = registered.data
  t.match(alice, { username: 'alice', name: 'Alice', role: 'normal', id: /^[0-9a-f-]{36}$/ })
  if (alice === undefined) throw new Error('register failed')

  const taken = await anonymous.POST('/register', { body: { username: 'ALICE', password: 'another passphrase entirely', name: 'Copy' } })
  const takenError: ApiError | undefined = taken.error
  t.equal(taken.response.status, 409)
  t.match(takenError, { statusCode: 409, code: 'username_taken' })

  const login = await anonymous.POST('/login', { body: { username: 'alice', password: 'a passphrase nobody guesses' } })
  const pair: TokenPair | undefined = login.data
  t.equal(login.response.status, 200)
  t.match(pair, { token_type: 'Bearer', expires_in: 900, access_token: /^eyJ/, refresh_token: /\S/ })
  if (pair === undefined) throw new Error('login failed')
  const asAlice = createClient<paths>({ baseUrl: server.url })
  asAlice.use(bearer(pair.access_token))

  const created = await asAlice.POST('/todo', { body: { title: 'Buy milk', description: 'Two litres', due: '2026-12-01' } })
  const task: Task | undefined = created.data
  t.equal(created.response.status, 201)
  t.equal(created.response.headers.get('location'), `/todo/${task?.id ?? 0}`)
  t.match(task, { title: 'Buy milk', description: 'Two litres', due: '2026-12-01T00:00:00.000Z', done: false, userId: alice.id })
  if (task === undefined) throw new Error('create failed')

  const listed = await asAlice.GET('/todo', { params: { query: { order: 'asc', limit: 10 } } })
  const tasks: Task[] | undefined = listed.data
  t.same(tasks?.map((each) => each.id), [task.id])

  const refused = await asAlice.PUT('/todo/mark/{id}/{status}', { params: { path: { id: task.id, status: 1 } } })
  t.equal(refused.response.status, 403, 'a normal user may not mark')
  t.equal(refused.error?.code, 'forbidden')

  const adminLogin = await anonymous.POST('/login', { body: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD } })
  if (adminLogin.data === undefined) throw new Error('admin login failed')
  const asAdmin = createClient<paths>({ baseUrl: server.url })
  asAdmin.use(bearer(adminLogin.data.access_token))

  const marked = await asAdmin.PUT('/todo/mark/{id}/{status}', { params: { path: { id: task.id, status: 1 } } })
  const markedTask: Task | undefined = marked.data
  t.equal(marked.response.status, 200)
  t.match(markedTask, { id: task.id, done: true })
  t.equal((await asAlice.GET('/todo/{id}', { params: { path: { id: task.id } } })).data?.done, true, 'alice sees it done')

  const users = await asAdmin.GET('/users', { params: { query: { role: 'normal', limit: 5 } } })
  const listedUsers: ManagedUser[] | undefined = users.data
  t.same(listedUsers?.map((user) => [user.username, user.disabled]), [['alice', false]])

  const renamed = await asAdmin.PATCH('/users/{id}', { params: { path: { id: alice.id } }, body: { name: 'Alice Liddell' } })
  const renamedUser: ManagedUser | undefined = renamed.data
  t.match(renamedUser, { id: alice.id, name: 'Alice Liddell', disabled: false })

  const loggedOut = await asAlice.POST('/logout', { params: { query: { scope: 'local' } } })
  t.equal(loggedOut.response.status, 204)
  const afterLogout = await asAlice.GET('/profile')
  const afterLogoutError: ApiError | undefined = afterLogout.error
  t.equal(afterLogout.response.status, 401)
  t.match(afterLogoutError, { statusCode: 401, code: 'token_revoked' })

  const metrics = await anonymous.GET('/metrics', { parseAs: 'text' })
  t.match(metrics.data, /^auth_logins_total\{result="success"\} 2$/m)
})

// README "OpenAPI and generated clients": following Link rel="next" with the generated client, as written there.
type Client = ReturnType<typeof createClient<paths>>

async function allMyTasks (api: Client): Promise<Task[]> {
  const tasks: Task[] = []
  let cursor: string | undefined
  do {
    const { data, response } = await api.GET('/todo', { params: { query: { order: 'desc', limit: 2, cursor } } })
    if (data === undefined) throw new Error(`GET /todo answered ${response.status}`)
    tasks.push(...data)
    // Link: </todo?order=desc&limit=2&cursor=...>; rel="next", absent on the last page.
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1]
    cursor = next === undefined ? undefined : new URL(next, 'http://link.invalid').searchParams.get('cursor') ?? undefined
  } while (cursor !== undefined)
  return tasks
}

test('README: follow Link pagination with the generated client', async (t) => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : `sqlite:${t.testdir()}/pages.db`
  const server = await startServer({ DATABASE_URL: databaseUrl, RATE_LIMIT_AUTH: '0' })
  t.teardown(() => server.stop())
  const anonymous = createClient<paths>({ baseUrl: server.url })
  await anonymous.POST('/register', { body: { username: 'pager', password: 'a passphrase for paging', name: 'Pager' } })
  const login = await anonymous.POST('/login', { body: { username: 'pager', password: 'a passphrase for paging' } })
  if (login.data === undefined) throw new Error('login failed')
  const api = createClient<paths>({ baseUrl: server.url })
  api.use(bearer(login.data.access_token))
  for (const day of ['01', '02', '03', '04', '05']) await api.POST('/todo', { body: { title: `task ${day}`, due: `2026-12-${day}` } })

  const tasks = await allMyTasks(api)
  t.same(tasks.map((task) => task.title), ['task 05', 'task 04', 'task 03', 'task 02', 'task 01'], 'three pages, every task once, newest due first')
  const disabledOnly = await api.GET('/users', { params: { query: { disabled: true } } })
  t.equal(disabledOnly.response.status, 403, 'disabled is a boolean in the generated types (and the route is for admins)')
})

test('the listening server serves exactly the committed openapi.json', async (t) => {
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : 'sqlite::memory:'
  const server = await startServer({ DATABASE_URL: databaseUrl })
  t.teardown(() => server.stop())
  const served = await fetch(`${server.url}/docs/json`).then(async (response) => await response.json())
  const committed = JSON.parse(await readFile(new URL('../../openapi.json', import.meta.url), 'utf8'))
  t.same(served, committed, 'run `npm run openapi` and commit openapi.json and clients/todo-api.ts')
})
