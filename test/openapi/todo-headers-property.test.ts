// Property tests of the request headers the todo operations document (schemas/conditional.ts): Idempotency-Key on
// POST /todo (1 to 255 printable ASCII characters, else 400 with a documented code), and If-None-Match and If-Match,
// plain strings in the document, so never refused: they decide between the success status and 304 or 412.
import { test, type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { ADMIN, build, loggedInAdmin, loggedInUser, type LoggedInUser } from '../helper.js'
import {
  documentedCodes, expectAnswer, expectRefused, idempotencyKey, ifMatch, ifNoneMatch, junkIdempotencyKey, RUNS, send, validCreateTaskBody,
  validUpdateTaskBody, type Exchange, type IfMatchFor
} from './arbitraries.js'

interface Callers { alice: LoggedInUser, admin: LoggedInUser }

async function idempotencyKeyProperties (t: Test, app: FastifyInstance, { alice }: Callers): Promise<void> {
  const documented = await documentedCodes(app, '/todo', 'post')
  // Each run's key is new: the first answer is 201, a retry with the same body replays it, another body gets 422.
  await fc.assert(fc.asyncProperty(idempotencyKey, validCreateTaskBody, validCreateTaskBody, async (key, body, otherBody) => {
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

async function createTask (app: FastifyInstance, user: LoggedInUser): Promise<{ id: number, etag: string }> {
  const response = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'conditional' } })
  if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`)
  return { id: response.json().id, etag: String(response.headers.etag) }
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

test('the todo operations\' request headers against their schemas', async (t) => {
  const app = await build(t, ADMIN)
  const callers = { alice: await loggedInUser(app), admin: await loggedInAdmin(app) }
  await t.test('POST /todo Idempotency-Key: valid keys 201 then replayed, malformed ones 400', async (t) => await idempotencyKeyProperties(t, app, callers))
  const { id } = await createTask(app, callers.alice)
  await t.test('GET /todo/{id}, /todo, /todo/ASC, /todo/DESC If-None-Match: any value taken; 304 when it names the current tag, else 200', async (t) => await ifNoneMatchProperties(t, app, callers, id))
  await t.test('PUT /todo/{id}, PUT /todo/mark/{id}/{status}, DELETE /todo/{id} If-Match: any value taken; the write, or 412', async (t) => await ifMatchProperties(t, app, callers))
})
