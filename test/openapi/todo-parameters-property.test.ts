// Property tests of the todo operations' query, path and header parameters from their schemas (schemas/todo.ts,
// schemas/conditional.ts): generated valid parameters get the documented answer (200 or 204, 404 for a valid id that
// names no visible task), parameters that break the schema get 400 with a code that the operation documents for 400.
// If-None-Match and If-Match are plain strings in the document, so never refused: they decide between the success
// status and 304 or 412. POST /todo's body has its own file (task-bodies-property.test.ts). One app serves every property.
import { test, type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'
import {
  anyCase, anyTaskId, anyUuid, documentedCodes, expectAnswer, expectRefused, idempotencyKey, ifMatch, ifNoneMatch, invalidUpdateTaskBody, issuedCursors,
  junkCursor, junkIdempotencyKey, junkPageLimit, junkTaskIdSegment, junkUuid, pageLimit, RUNS, send, taskIdSegment, text, unknownName,
  UNLIMITED_REQUESTS, validCreateTaskBody, validUpdateTaskBody, withQuery, type Exchange, type IfMatchFor
} from './arbitraries.js'

interface Callers { alice: LoggedInUser, admin: LoggedInUser }

const LIST_PATHS = ['/todo', '/todo/ASC', '/todo/DESC'] as const
type ListPath = typeof LIST_PATHS[number]
type Query = Record<string, string | string[] | undefined>

async function listProperties (t: Test, app: FastifyInstance, { alice, admin }: Callers): Promise<void> {
  const documented = await documentedCodes(app, '/todo', 'get')
  const cursors = Object.fromEntries(await Promise.all(LIST_PATHS.map(async (path) => [path, await issuedCursors(app, `${path}?limit=2`, alice.auth)]))) as Record<ListPath, string[]>
  const callers = { alice: alice.auth, admin: admin.auth, anonymous: {} }

  const validRequest = fc.record({ path: fc.constantFrom(...LIST_PATHS), caller: fc.constantFrom('alice', 'admin', 'anonymous') as fc.Arbitrary<keyof typeof callers> }).chain(({ path, caller }) => fc.record({
    order: path === '/todo' ? fc.option(fc.constantFrom('asc', 'desc'), { nil: undefined }) : fc.constant(undefined),
    limit: fc.option(pageLimit, { nil: undefined }),
    cursor: fc.option(fc.constantFrom(...cursors[path]), { nil: undefined }),
    // Anonymous callers may not filter by user (401); a normal user only by their own id, in any letter case.
    userId: caller === 'anonymous' ? fc.constant(undefined) : fc.option(caller === 'alice' ? anyCase(alice.id) : fc.oneof(anyCase(alice.id), anyUuid), { nil: undefined })
  }).map((query) => ({ path, caller, query })))

  await fc.assert(fc.asyncProperty(validRequest, async ({ path, caller, query }) => {
    const exchange = await send(app, { method: 'GET', url: withQuery(path, query), headers: callers[caller] })
    expectAnswer(exchange, [200])
    const tasks = exchange.response.json() as Array<{ userId: string }>
    const limit = Math.min(Number(query.limit ?? 20), caller === 'anonymous' ? app.config.publicTodoLimit : 100)
    const owner = caller === 'alice' ? alice.id : query.userId?.toLowerCase()
    if (tasks.length > limit || (owner !== undefined && tasks.some((task) => task.userId !== owner))) throw new Error(`not the page asked for: ${exchange.response.body.slice(0, 300)}`)
  }), { numRuns: RUNS })
  t.pass('every valid query got 200 with at most `limit` tasks of the asked owner')

  const known = (path: ListPath): string[] => path === '/todo' ? ['order', 'limit', 'cursor', 'userId'] : ['limit', 'cursor', 'userId']
  // A valid query with one parameter broken: out of its schema, given twice, or not declared at all.
  const invalidRequest = fc.record({ path: fc.constantFrom(...LIST_PATHS), caller: fc.constantFrom('alice', 'admin') as fc.Arbitrary<keyof typeof callers> }).chain(({ path, caller }) => fc.tuple(
    fc.record({ limit: fc.option(pageLimit, { nil: undefined }), cursor: fc.option(fc.constantFrom(...cursors[path]), { nil: undefined }) }),
    fc.oneof(
      fc.record({ order: path === '/todo' ? fc.oneof(fc.constantFrom('ASC', 'Desc', '', 'up', 'asc '), text(1, 8).filter((value) => value !== 'asc' && value !== 'desc')) : fc.constantFrom('asc', 'desc') }),
      fc.record({ limit: junkPageLimit }),
      fc.record({ cursor: junkCursor }),
      fc.record({ userId: junkUuid }),
      fc.record({ limit: fc.tuple(pageLimit, pageLimit).map((pair) => [...pair]) }),
      fc.tuple(unknownName(known(path)), text(0, 12)).map(([name, value]) => ({ [name]: value }))
    )
  ).map(([base, broken]): { path: ListPath, caller: keyof typeof callers, query: Query } => ({ path, caller, query: { ...base, ...broken } })))

  await fc.assert(fc.asyncProperty(invalidRequest, async ({ path, caller, query }) => {
    expectRefused(await send(app, { method: 'GET', url: withQuery(path, query), headers: callers[caller] }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid query got 400 validation_error')
}

// Alice's tasks as the runs create, edit and delete them.
type OwnTasks = Set<number>

// A valid id: one of alice's tasks or any other id in range, written as the validator reads it.
const validId = (own: OwnTasks): fc.Arbitrary<string> => taskIdSegment(fc.oneof(fc.constantFrom(...own), anyTaskId))

const segment = (value: string): string => encodeURIComponent(value)

async function readProperties (t: Test, app: FastifyInstance, { alice, admin }: Callers, own: OwnTasks): Promise<void> {
  const documented = await documentedCodes(app, '/todo/{id}', 'get')
  await fc.assert(fc.asyncProperty(validId(own), fc.constantFrom('alice', 'admin'), async (id, caller) => {
    const exchange = await send(app, { method: 'GET', url: `/todo/${id}`, headers: (caller === 'alice' ? alice : admin).auth })
    // Only alice has tasks: an admin sees them all, alice her own; any other id answers 404.
    if (!own.has(Number(id))) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [200])
    if (exchange.response.json().id !== Number(id)) throw new Error(`another task: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id got 200 (a visible task) or 404')

  await fc.assert(fc.asyncProperty(junkTaskIdSegment, async (id) => {
    expectRefused(await send(app, { method: 'GET', url: `/todo/${segment(id)}`, headers: alice.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id got 400 validation_error')
}

async function updateProperties (t: Test, app: FastifyInstance, { alice }: Callers, own: OwnTasks): Promise<void> {
  const documented = await documentedCodes(app, '/todo/{id}', 'put')
  await fc.assert(fc.asyncProperty(validId(own), validUpdateTaskBody, async (id, body) => {
    const exchange = await send(app, { method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: body })
    if (!own.has(Number(id))) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [200])
    const task = exchange.response.json()
    if (task.id !== Number(id) || (body.title !== undefined && task.title !== body.title) || (body.description !== undefined && task.description !== body.description)) throw new Error(`not the edit asked for: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id and body got 200 (alice\'s task) or 404')

  const invalidRequest = fc.oneof(
    fc.tuple(junkTaskIdSegment.map(segment), validUpdateTaskBody),
    fc.tuple(validId(own), invalidUpdateTaskBody)
  )
  await fc.assert(fc.asyncProperty(invalidRequest, async ([id, body]) => {
    expectRefused(await send(app, { method: 'PUT', url: `/todo/${id}`, headers: alice.auth, payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id or invalid body got 400 validation_error')
}

async function createTask (app: FastifyInstance, user: LoggedInUser): Promise<{ id: number, etag: string }> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'made for a run' } })
  if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
  return { id: response.json().id, etag: String(response.headers.etag) }
}

async function deleteProperties (t: Test, app: FastifyInstance, { alice }: Callers, own: OwnTasks): Promise<void> {
  const documented = await documentedCodes(app, '/todo/{id}', 'delete')
  // A task made for the run, or any id in range (absent, or one deleted before: 404).
  const target = fc.oneof(fc.constant('fresh' as const), anyTaskId)
  await fc.assert(fc.asyncProperty(target, fc.constantFrom('', '0', '00'), async (chosen, zeros) => {
    const id = chosen === 'fresh' ? (await createTask(app, alice)).id : chosen
    if (chosen === 'fresh') own.add(id)
    const exchange = await send(app, { method: 'DELETE', url: `/todo/${zeros}${id}`, headers: alice.auth })
    if (!own.has(id)) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [204])
    own.delete(id)
    if (exchange.response.body !== '') throw new Error(`a body: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id got 204 (alice\'s task, then gone) or 404')

  await fc.assert(fc.asyncProperty(junkTaskIdSegment, async (id) => {
    expectRefused(await send(app, { method: 'DELETE', url: `/todo/${segment(id)}`, headers: alice.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id got 400 validation_error')
}

// `status` is 0 or 1; the validator reads plain decimal digits, so "00" and "-0" are 0 too.
const validStatus = fc.constantFrom('0', '1')
const junkStatus = fc.oneof(
  fc.constantFrom('2', '-1', 'true', 'false', 'done', '1.0', '0.5', '+1', '1e0', ' 1', 'one', '10', '0x1'),
  fc.integer({ min: 2, max: 1_000_000 }).map(String),
  text(1, 8).filter((value) => value !== '.' && value !== '..' && !(/^-?\d{1,16}$/.test(value) && (Number(value) === 0 || Number(value) === 1)))
)

async function markProperties (t: Test, app: FastifyInstance, { admin }: Callers, own: OwnTasks): Promise<void> {
  const documented = await documentedCodes(app, '/todo/mark/{id}/{status}', 'put')
  await fc.assert(fc.asyncProperty(validId(own), validStatus, async (id, status) => {
    const exchange = await send(app, { method: 'PUT', url: `/todo/mark/${id}/${status}`, headers: admin.auth })
    if (!own.has(Number(id))) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [200])
    if (exchange.response.json().done !== (status === '1')) throw new Error(`not marked ${status}: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id and status got 200 (a task) or 404')

  const invalidPath = fc.oneof(fc.tuple(junkTaskIdSegment.map(segment), validStatus), fc.tuple(validId(own), junkStatus.map(segment)))
  await fc.assert(fc.asyncProperty(invalidPath, async ([id, status]) => {
    expectRefused(await send(app, { method: 'PUT', url: `/todo/mark/${id}/${status}`, headers: admin.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id or status got 400 validation_error')
}

async function idempotencyKeyProperties (t: Test, app: FastifyInstance, { alice }: Callers): Promise<void> {
  const documented = await documentedCodes(app, '/todo', 'post')
  // Each run's key is new (a key drawn again is skipped): the first answer is 201, a retry with the same body
  // replays it, another body gets 422.
  const used = new Set<string>()
  await fc.assert(fc.asyncProperty(idempotencyKey, validCreateTaskBody, validCreateTaskBody, async (key, body, otherBody) => {
    fc.pre(!used.has(key))
    used.add(key)
    const post = async (payload: object): Promise<Exchange> => await send(app, { method: 'POST', url: '/todo', headers: { ...alice.auth, 'idempotency-key': key }, payload })
    const first = await post(body)
    expectAnswer(first, [201])
    const retry = await post(body)
    expectAnswer(retry, [201])
    if (retry.response.body !== first.response.body || retry.response.headers.location !== first.response.headers.location) throw new Error(`the retry was not the first answer: ${retry.response.body}`)
    if (JSON.stringify(otherBody) !== JSON.stringify(body)) expectAnswer(await post(otherBody), [422], ['idempotency_key_reused'])
  }), { numRuns: RUNS })
  t.pass('every valid key created once and replayed the answer')

  await fc.assert(fc.asyncProperty(junkIdempotencyKey, validCreateTaskBody, async (key, body) => {
    expectRefused(await send(app, { method: 'POST', url: '/todo', headers: { ...alice.auth, 'idempotency-key': key }, payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every malformed key got 400 validation_error')
}

async function ifNoneMatchProperties (t: Test, app: FastifyInstance, { alice }: Callers, taskId: number): Promise<void> {
  // Each readable representation of alice's with its tag as it stands: nothing writes while this property runs.
  const urls = [`/todo/${taskId}`, '/todo', '/todo/ASC?limit=2', '/todo/DESC']
  const current = await Promise.all(urls.map(async (url) => ({ url, etag: String((await app.inject({ method: 'GET', url, headers: alice.auth })).headers.etag) })))
  const request = fc.constantFrom(...current).chain(({ url, etag }) => ifNoneMatch(etag).map((condition) => ({ url, etag, ...condition })))

  await fc.assert(fc.asyncProperty(request, async ({ url, etag, matches, header }) => {
    const exchange = await send(app, { method: 'GET', url, headers: { ...alice.auth, 'if-none-match': header } })
    expectAnswer(exchange, [matches ? 304 : 200])
    if (exchange.response.headers.etag !== etag) throw new Error(`ETag ${String(exchange.response.headers.etag)}, not ${etag}`)
    if (matches === (exchange.response.body !== '')) throw new Error(`body ${exchange.response.body.slice(0, 200)}`)
  }), { numRuns: RUNS })
  t.pass('304 exactly when If-None-Match names the current tag, 200 with the representation otherwise')
}

// A conditional write: the success status when the If-Match allows the current version, else 412 and nothing changed.
function expectConditional (exchange: Exchange, matches: boolean, success: number): void {
  expectAnswer(exchange, matches ? [success] : [412], ['precondition_failed'])
}

async function ifMatchProperties (t: Test, app: FastifyInstance, { alice, admin }: Callers): Promise<void> {
  const edited = await createTask(app, alice)
  let current = edited.etag
  await fc.assert(fc.asyncProperty(ifMatch, validUpdateTaskBody, async (condition: IfMatchFor, body) => {
    const { matches, header } = condition(current)
    const exchange = await send(app, { method: 'PUT', url: `/todo/${edited.id}`, headers: { ...alice.auth, ...(header === undefined ? {} : { 'if-match': header }) }, payload: body })
    expectConditional(exchange, matches, 200)
    if (matches) current = String(exchange.response.headers.etag)
  }), { numRuns: RUNS })
  t.pass('PUT /todo/{id}: 200 exactly when If-Match allows the current version, else 412')

  await fc.assert(fc.asyncProperty(ifMatch, fc.constantFrom('0', '1'), async (condition: IfMatchFor, status) => {
    const { matches, header } = condition(current)
    const exchange = await send(app, { method: 'PUT', url: `/todo/mark/${edited.id}/${status}`, headers: { ...admin.auth, ...(header === undefined ? {} : { 'if-match': header }) } })
    expectConditional(exchange, matches, 200)
    if (matches) current = String(exchange.response.headers.etag)
  }), { numRuns: RUNS })
  t.pass('PUT /todo/mark/{id}/{status}: 200 exactly when If-Match allows the current version, else 412')

  await fc.assert(fc.asyncProperty(ifMatch, async (condition: IfMatchFor) => {
    const task = await createTask(app, alice)
    const { matches, header } = condition(task.etag)
    const exchange = await send(app, { method: 'DELETE', url: `/todo/${task.id}`, headers: { ...alice.auth, ...(header === undefined ? {} : { 'if-match': header }) } })
    expectConditional(exchange, matches, 204)
    const after = await app.inject({ method: 'GET', url: `/todo/${task.id}`, headers: alice.auth })
    if (after.statusCode !== (matches ? 404 : 200)) throw new Error(`after the delete, GET answered ${after.statusCode}`)
  }), { numRuns: RUNS })
  t.pass('DELETE /todo/{id}: 204 exactly when If-Match allows the current version, else 412 and the task stays')
}

test('the todo operations\' query, path and header parameters against their schemas', async (t) => {
  const app = await build(t, { ...ADMIN, ...UNLIMITED_REQUESTS })
  const callers = { alice: await loggedInUser(app), admin: await loggedInAdmin(app) }
  const own: OwnTasks = new Set()
  // Enough tasks for several pages at limit=2, due on different days.
  for (let day = 1; day <= 7; day++) {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: callers.alice.auth, payload: { title: `task ${day}`, due: `2026-12-0${day}` } })
    own.add(response.json().id)
  }
  await t.test('GET /todo, /todo/ASC, /todo/DESC: valid queries 200, invalid ones 400', async (t) => await listProperties(t, app, callers))
  await t.test('GET /todo/{id}: valid ids 200 or 404, junk 400', async (t) => await readProperties(t, app, callers, own))
  await t.test('PUT /todo/{id}: valid ids and bodies 200 or 404, junk ids or invalid bodies 400', async (t) => await updateProperties(t, app, callers, own))
  await t.test('DELETE /todo/{id}: valid ids 204 or 404, junk 400', async (t) => await deleteProperties(t, app, callers, own))
  await t.test('PUT /todo/mark/{id}/{status}: valid ids and statuses 200 or 404, junk 400', async (t) => await markProperties(t, app, callers, own))
  // After the id properties: these make tasks of alice's that `own` does not list.
  await t.test('POST /todo Idempotency-Key: valid keys 201 then replayed, malformed ones 400', async (t) => await idempotencyKeyProperties(t, app, callers))
  const { id } = await createTask(app, callers.alice)
  await t.test('GET /todo/{id}, /todo, /todo/ASC, /todo/DESC If-None-Match: any value taken; 304 when it names the current tag, else 200', async (t) => await ifNoneMatchProperties(t, app, callers, id))
  await t.test('PUT /todo/{id}, PUT /todo/mark/{id}/{status}, DELETE /todo/{id} If-Match: any value taken; the write, or 412', async (t) => await ifMatchProperties(t, app, callers))
})
