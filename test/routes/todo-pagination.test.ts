// GET /todo pages: keyset order by (due, id), Link rel="next" with the cursor, and refused queries.
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { test } from 'tap'
import type { Task } from '../../schemas/todo.js'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'
import { MAX_TASK_ID } from '../../schemas/todo.js'

const NEXT_LINK = /^<(\/todo(?:\/ASC|\/DESC)?\?[^>]+)>; rel="next"$/

async function createTask (app: FastifyInstance, user: LoggedInUser, payload: { title: string, due?: string }): Promise<Task> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload })
  if (response.statusCode !== 201) throw new Error(`create task: ${response.statusCode} ${response.body}`)
  return response.json()
}

// Only four distinct due dates, so runs of equal dues straddle every page boundary.
async function createManyTasks (app: FastifyInstance, user: LoggedInUser, count: number, prefix: string): Promise<Task[]> {
  const dues = ['2026-03-01', '2026-01-01T12:00:00Z', '2026-02-01', '2026-01-01T12:00:00+00:00']
  const created: Task[] = []
  for (let index = 0; index < count; index++) {
    created.push(await createTask(app, user, { title: `${prefix} ${index}`, due: dues[index % dues.length] }))
  }
  return created
}

function byDue (tasks: Task[]): Task[] {
  return [...tasks].sort((a, b) => a.due === b.due ? a.id - b.id : a.due < b.due ? -1 : 1)
}

function errorBody (statusCode: number, code: string): Record<string, unknown> {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[statusCode]
  return { statusCode, error, message: String, code }
}

function nextUrl (response: LightMyRequestResponse): string | undefined {
  const link = response.headers.link
  if (link === undefined) return undefined
  return NEXT_LINK.exec(String(link))?.[1] ?? `unparseable Link header: ${String(link)}`
}

interface Assertions {
  equal: (found: unknown, wanted: unknown, message: string) => boolean
}

interface Walk {
  tasks: Task[]
  pageSizes: number[]
  links: string[]
}

// Follows Link rel="next" exactly as a client would, until a page has none.
async function walkPages (t: Assertions, app: FastifyInstance, user: LoggedInUser, firstUrl: string): Promise<Walk> {
  const walk: Walk = { tasks: [], pageSizes: [], links: [] }
  let url: string | undefined = firstUrl
  while (url !== undefined) {
    const response = await app.inject({ method: 'GET', url, headers: user.auth })
    t.equal(response.statusCode, 200, `GET ${url}`)
    const page: Task[] = response.json()
    walk.tasks.push(...page)
    walk.pageSizes.push(page.length)
    url = nextUrl(response)
    if (url !== undefined) walk.links.push(url)
    if (walk.pageSizes.length > 50) throw new Error('the pages never end')
  }
  return walk
}

function ids (tasks: Task[]): number[] {
  return tasks.map((task) => task.id)
}

function linkPattern (order: string, limit: number, userId?: string): RegExp {
  const filter = userId === undefined ? '' : `&userId=${userId}`
  return new RegExp(`^/todo\\?order=${order}&limit=${limit}&cursor=[A-Za-z0-9_-]+${filter}$`)
}

test('walking every page, in both orders, yields every task exactly once and in order', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTasks = await createManyTasks(app, alice, 23, 'alice')
  await createManyTasks(app, bob, 4, 'bob')
  const ascending = byDue(alicesTasks)
  const descending = [...ascending].reverse()

  for (const [firstUrl, order, expected] of [
    ['/todo?limit=5', 'asc', ascending],
    ['/todo?order=asc&limit=5', 'asc', ascending],
    ['/todo/ASC?limit=5', 'asc', ascending],
    ['/todo?order=desc&limit=5', 'desc', descending],
    ['/todo/DESC?limit=5', 'desc', descending]
  ] as const) {
    const walk = await walkPages(t, app, alice, firstUrl)
    t.same(walk.pageSizes, [5, 5, 5, 5, 3], `${firstUrl}: page sizes`)
    t.equal(walk.links.length, 4, `${firstUrl}: a Link on every page but the last`)
    // The Link stays on the path called: /todo/ASC leads to /todo/ASC, which takes no `order`.
    const inPath = firstUrl.startsWith('/todo/') ? new RegExp(`^${firstUrl.split('?')[0] as string}\\?limit=5&cursor=[A-Za-z0-9_-]+$`) : undefined
    for (const link of walk.links) t.match(link, inPath ?? linkPattern(order, 5), `${firstUrl}: ${link}`)
    t.equal(new Set(ids(walk.tasks)).size, 23, `${firstUrl}: no task twice`)
    t.same(ids(walk.tasks), ids(expected), `${firstUrl}: every task of alice's, in order`)
    t.same(walk.tasks, expected, `${firstUrl}: whole tasks`)
  }
})

test('an admin walks everyone\'s pages, or one user\'s with userId kept in every Link', async (t) => {
  const app = await build(t, ADMIN)
  const admin = await loggedInAdmin(app)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const alicesTasks = await createManyTasks(app, alice, 23, 'alice')
  const bobsTasks = await createManyTasks(app, bob, 6, 'bob')

  for (const order of ['asc', 'desc'] as const) {
    const expected = order === 'asc' ? byDue(alicesTasks) : byDue(alicesTasks).reverse()
    const walk = await walkPages(t, app, admin, `/todo?order=${order}&limit=5&userId=${alice.id}`)
    t.same(walk.pageSizes, [5, 5, 5, 5, 3], `${order}: page sizes`)
    for (const link of walk.links) t.match(link, linkPattern(order, 5, alice.id), `${order}: ${link}`)
    t.same(walk.tasks, expected, `${order}: alice's tasks only, each once, in order`)

    const everything = [...alicesTasks, ...bobsTasks]
    const all = await walkPages(t, app, admin, `/todo/${order.toUpperCase()}?limit=7`)
    t.same(all.pageSizes, [7, 7, 7, 7, 1], `${order}: everyone's page sizes`)
    t.same(all.tasks, order === 'asc' ? byDue(everything) : byDue(everything).reverse(), `${order}: everyone's tasks, each once, in order`)
  }
})

test('a normal user naming themselves in userId keeps it in the Link', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const tasks = await createManyTasks(app, alice, 4, 'alice')

  const walk = await walkPages(t, app, alice, `/todo?limit=3&userId=${alice.id}`)
  t.same(walk.pageSizes, [3, 1])
  t.match(walk.links[0], linkPattern('asc', 3, alice.id))
  t.same(walk.tasks, byDue(tasks))
})

test('the last page has no Link, even when it is full', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const tasks = await createManyTasks(app, alice, 10, 'alice')

  const walk = await walkPages(t, app, alice, '/todo?limit=5')
  t.same(walk.pageSizes, [5, 5], 'exactly two pages')
  t.equal(walk.links.length, 1)
  t.same(walk.tasks, byDue(tasks))

  const whole = await app.inject({ method: 'GET', url: '/todo?limit=10', headers: alice.auth })
  t.equal(whole.statusCode, 200)
  t.same(whole.json(), byDue(tasks))
  t.equal(whole.headers.link, undefined, 'a page that holds everything has no next page')

  const one = await app.inject({ method: 'GET', url: '/todo?limit=1', headers: alice.auth })
  t.equal(one.statusCode, 200)
  t.same(one.json(), byDue(tasks).slice(0, 1))
  t.match(nextUrl(one), linkPattern('asc', 1))
})

test('limit defaults to 20 and may be anything from 1 to 100', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const tasks = byDue(await createManyTasks(app, alice, 23, 'alice'))

  const first = await app.inject({ method: 'GET', url: '/todo', headers: alice.auth })
  t.equal(first.statusCode, 200)
  t.same(first.json(), tasks.slice(0, 20), 'twenty by default')
  const next = nextUrl(first)
  t.match(next, linkPattern('asc', 20))

  const second = await app.inject({ method: 'GET', url: String(next), headers: alice.auth })
  t.equal(second.statusCode, 200)
  t.same(second.json(), tasks.slice(20))
  t.equal(second.headers.link, undefined)

  const hundred = await app.inject({ method: 'GET', url: '/todo?limit=100', headers: alice.auth })
  t.equal(hundred.statusCode, 200)
  t.same(hundred.json(), tasks)
  t.equal(hundred.headers.link, undefined)
})

test('a cursor is a position, so deleting the task it names does not lose the way', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const tasks = byDue(await createManyTasks(app, alice, 9, 'alice'))

  const first = await app.inject({ method: 'GET', url: '/todo?limit=3', headers: alice.auth })
  t.equal(first.statusCode, 200)
  t.same(first.json(), tasks.slice(0, 3))
  const lastOfPage = tasks[2] as Task
  const removed = await app.inject({ method: 'DELETE', url: `/todo/${lastOfPage.id}`, headers: alice.auth })
  t.equal(removed.statusCode, 204)
  t.equal(removed.body, '')

  const rest = await walkPages(t, app, alice, String(nextUrl(first)))
  t.same(rest.tasks, tasks.slice(3), 'the remaining tasks, none skipped, none repeated')
})

test('a cursor that this service did not issue answers 400 validation_error', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await createManyTasks(app, alice, 3, 'alice')
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

  const cursors: Array<[string, string]> = [
    ['random base64url', randomBytes(24).toString('base64url')],
    ['not base64url', 'abc+/='],
    ['with a dot', 'abc.def'],
    ['empty', ''],
    ['too long', 'A'.repeat(201)],
    ['JSON object', encode({ due: '2026-01-01T00:00:00.000Z', id: 1 })],
    ['one element', encode(['2026-01-01T00:00:00.000Z'])],
    ['date without time', encode(['2026-01-01', 1])],
    ['id zero', encode(['2026-01-01T00:00:00.000Z', 0])],
    ['negative id', encode(['2026-01-01T00:00:00.000Z', -1])],
    ['fractional id', encode(['2026-01-01T00:00:00.000Z', 1.5])],
    ['id as a string', encode(['2026-01-01T00:00:00.000Z', '1'])],
    ['SQL in due', encode(['2026\' OR 1=1 --', 1])]
  ]
  for (const [name, cursor] of cursors) {
    for (const path of ['/todo', '/todo/DESC']) {
      const url = `${path}?limit=2&cursor=${encodeURIComponent(cursor)}`
      const response = await app.inject({ method: 'GET', url, headers: alice.auth })
      t.equal(response.statusCode, 400, `${name}: ${path}`)
      t.match(response.json(), errorBody(400, 'validation_error'), `${name}: ${path}`)
    }
  }
})

test('limit outside 1..100, unknown parameters and bad values answer 400 validation_error', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  await createManyTasks(app, alice, 2, 'alice')

  const urls = [
    '/todo?limit=0',
    '/todo?limit=101',
    '/todo?limit=-5',
    '/todo?limit=abc',
    '/todo?limit=1.5',
    '/todo?limit=',
    '/todo?limit=5&limit=6',
    '/todo?order=up',
    '/todo?order=ASC',
    '/todo?order=',
    '/todo?page=2',
    '/todo?offset=10',
    '/todo?sort=due',
    '/todo/ASC?order=desc',
    '/todo/DESC?limit=0',
    '/todo/ASC?foo=bar',
    '/todo?userId=',
    '/todo?userId=12345'
  ]
  for (const url of urls) {
    const response = await app.inject({ method: 'GET', url, headers: alice.auth })
    t.equal(response.statusCode, 400, url)
    t.match(response.json(), errorBody(400, 'validation_error'), url)
  }

  for (const url of ['/todo?limit=0', '/todo?foo=bar', '/todo/DESC?limit=101']) {
    const response = await app.inject({ method: 'GET', url })
    t.equal(response.statusCode, 400, `anonymous ${url}`)
    t.match(response.json(), errorBody(400, 'validation_error'), `anonymous ${url}`)
  }
})

test('a cursor naming an id beyond the int4 serial column answers 400, never a 500', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const tasks = byDue(await createManyTasks(app, alice, 3, 'alice'))
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

  // The largest id there can be is a valid position: nothing comes after it on the same due.
  const largest = await app.inject({ method: 'GET', url: `/todo?cursor=${encode(['2026-01-01T12:00:00.000Z', MAX_TASK_ID])}`, headers: alice.auth })
  t.equal(largest.statusCode, 200)
  t.same(largest.json(), tasks.filter((task) => task.due > '2026-01-01T12:00:00.000Z'))

  const beyond = await app.inject({ method: 'GET', url: `/todo?cursor=${encode(['2026-01-01T12:00:00.000Z', MAX_TASK_ID + 1])}`, headers: alice.auth })
  t.match({ statusCode: beyond.statusCode, body: beyond.json() }, { statusCode: 400, body: errorBody(400, 'validation_error') }, `cursor id ${MAX_TASK_ID + 1}`)
})
