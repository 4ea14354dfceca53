// Property tests of the administration operations from their schemas (schemas/users.ts), as an admin: generated valid
// queries, ids and bodies get the documented answer (200 or 204, 404 for a valid id that names no user), input that
// breaks the schema gets 400 with a code that the operation documents for 400.
import { test, type Test } from 'tap'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { ADMIN, build, loggedInAdmin, type LoggedInUser } from '../helper.js'
import { ROLES } from '../../schemas/roles.js'
import {
  anyCase, anyUuid, documentedCodes, issuedCursors, expectAnswer, expectRefused, junkCursor, junkPageLimit, junkUuid, notAString, oneFieldBroken, pageLimit, RUNS,
  send, text, textWithNul, unicodeTextWithoutNul, UNLIMITED_REQUESTS, unknownName, withQuery
} from './arbitraries.js'

type Query = Record<string, string | string[] | undefined>

let created = 0

// Made through the repository: no argon2 hash to compute, and nobody logs in as them.
async function createUser (app: FastifyInstance): Promise<string> {
  const user = await app.users.create({ username: `managed${++created}`, name: 'Managed User', passwordHash: 'not a hash: made by a test', role: 'normal' })
  return user.id
}

const KNOWN_QUERY = ['order', 'limit', 'cursor', 'role', 'disabled']

async function listProperties (t: Test, app: FastifyInstance, admin: LoggedInUser): Promise<void> {
  const documented = await documentedCodes(app, '/users', 'get')
  const cursors = await issuedCursors(app, '/users?limit=2', admin.auth)
  const validQuery = fc.record({
    order: fc.option(fc.constantFrom('asc', 'desc'), { nil: undefined }),
    limit: fc.option(pageLimit, { nil: undefined }),
    cursor: fc.option(fc.constantFrom(...cursors), { nil: undefined }),
    role: fc.option(fc.constantFrom(...ROLES), { nil: undefined }),
    disabled: fc.option(fc.constantFrom('true', 'false'), { nil: undefined })
  })

  await fc.assert(fc.asyncProperty(validQuery, async (query) => {
    const exchange = await send(app, { method: 'GET', url: withQuery('/users', query), headers: admin.auth })
    expectAnswer(exchange, [200])
    const users = exchange.response.json() as Array<{ role: string, disabled: boolean }>
    const wrong = users.some((user) => (query.role !== undefined && user.role !== query.role) || (query.disabled !== undefined && String(user.disabled) !== query.disabled))
    if (users.length > Number(query.limit ?? 20) || wrong) throw new Error(`not the page asked for: ${exchange.response.body.slice(0, 300)}`)
  }), { numRuns: RUNS })
  t.pass('every valid query got 200 with at most `limit` users that fit the filters')

  // A valid query with one parameter broken: out of its schema, given twice, or not declared at all.
  const invalidQuery = fc.tuple(validQuery, fc.oneof(
    fc.record({ order: fc.oneof(fc.constantFrom('ASC', 'Desc', '', 'newest'), text(1, 8).filter((value) => value !== 'asc' && value !== 'desc')) }),
    fc.record({ limit: junkPageLimit }),
    // A GET /todo cursor is not a GET /users one.
    fc.record({ cursor: fc.oneof(junkCursor, fc.constant('WyIyMDI2LTEyLTAxVDA5OjMwOjAwLjAwMFoiLDIxXQ')) }),
    fc.record({ role: fc.oneof(fc.constantFrom('', 'Admin', 'NORMAL', 'root', 'admin '), text(1, 10).filter((value) => !(ROLES as string[]).includes(value))) }),
    fc.record({ disabled: fc.oneof(fc.constantFrom('', '1', '0', 'yes', 'TRUE', 'False', 'null'), text(1, 6).filter((value) => value !== 'true' && value !== 'false')) }),
    fc.record({ role: fc.tuple(fc.constantFrom(...ROLES), fc.constantFrom(...ROLES)).map((pair) => [...pair]) }),
    fc.tuple(unknownName(KNOWN_QUERY), text(0, 12)).map(([name, value]) => ({ [name]: value }))
  )).map(([query, broken]): Query => ({ ...query, ...broken }))

  await fc.assert(fc.asyncProperty(invalidQuery, async (query) => {
    expectRefused(await send(app, { method: 'GET', url: withQuery('/users', query), headers: admin.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every invalid query got 400 validation_error')
}

// A valid user id: one of `existing` in any letter case, or any UUID (which names no user: 404).
const validUserId = (existing: string[]): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...existing).chain(anyCase), anyUuid)

const segment = (value: string): string => encodeURIComponent(value)

async function readProperties (t: Test, app: FastifyInstance, admin: LoggedInUser, existing: string[]): Promise<void> {
  const documented = await documentedCodes(app, '/users/{id}', 'get')
  await fc.assert(fc.asyncProperty(validUserId(existing), async (id) => {
    const exchange = await send(app, { method: 'GET', url: `/users/${id}`, headers: admin.auth })
    if (!existing.includes(id.toLowerCase())) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [200])
    if (exchange.response.json().id !== id.toLowerCase()) throw new Error(`another user: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id got 200 (a user) or 404')

  await fc.assert(fc.asyncProperty(junkUuid, async (id) => {
    expectRefused(await send(app, { method: 'GET', url: `/users/${segment(id)}`, headers: admin.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id got 400 validation_error')
}

const validUpdateUserBody = fc.record({ role: fc.constantFrom(...ROLES), name: unicodeTextWithoutNul(1, 100), disabled: fc.boolean() }, { requiredKeys: [] })
  .filter((body) => Object.keys(body).length > 0)

const invalidUpdateUserBody = fc.oneof(
  fc.constant({}),
  oneFieldBroken(validUpdateUserBody, {
    role: fc.oneof(fc.constantFrom('', 'Admin', 'root'), notAString),
    name: fc.oneof(fc.constant(''), unicodeTextWithoutNul(101, 120), textWithNul(100), notAString),
    disabled: fc.oneof(fc.constantFrom('true', 'false', 0, 1), fc.constant(null))
  }, [], ['role', 'name', 'disabled'])
)

async function updateProperties (t: Test, app: FastifyInstance, admin: LoggedInUser, existing: string[]): Promise<void> {
  const documented = await documentedCodes(app, '/users/{id}', 'patch')
  // Other users only: an admin may not demote or disable themselves (403 own_account), and the bootstrap admin stays.
  const others = existing.filter((id) => id !== admin.id)
  await fc.assert(fc.asyncProperty(validUserId(others), validUpdateUserBody, async (id, body) => {
    const exchange = await send(app, { method: 'PATCH', url: `/users/${id}`, headers: admin.auth, payload: body })
    if (!others.includes(id.toLowerCase())) return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [200])
    const user = exchange.response.json()
    const applied = Object.entries(body).every(([field, value]) => user[field] === value)
    if (user.id !== id.toLowerCase() || !applied) throw new Error(`not the change asked for: ${exchange.response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid id and body got 200 with the change, or 404')

  const invalidRequest = fc.oneof(fc.tuple(junkUuid.map(segment), validUpdateUserBody), fc.tuple(validUserId(others), invalidUpdateUserBody))
  await fc.assert(fc.asyncProperty(invalidRequest, async ([id, body]) => {
    expectRefused(await send(app, { method: 'PATCH', url: `/users/${id}`, headers: admin.auth, payload: body }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id or invalid body got 400 validation_error')
}

async function deleteProperties (t: Test, app: FastifyInstance, admin: LoggedInUser): Promise<void> {
  const documented = await documentedCodes(app, '/users/{id}', 'delete')
  // A user made for the run, in any letter case, or any UUID (404).
  const target = fc.oneof(
    fc.constantFrom('upper', 'lower').map((letterCase) => ({ kind: 'fresh' as const, letterCase })),
    anyUuid.map((id) => ({ kind: 'absent' as const, id }))
  )
  await fc.assert(fc.asyncProperty(target, async (chosen) => {
    const id = chosen.kind === 'absent' ? chosen.id : await createUser(app)
    const url = `/users/${chosen.kind === 'fresh' && chosen.letterCase === 'upper' ? id.toUpperCase() : id}`
    const exchange = await send(app, { method: 'DELETE', url, headers: admin.auth })
    if (chosen.kind === 'absent') return expectAnswer(exchange, [404], ['not_found'])
    expectAnswer(exchange, [204])
    expectAnswer(await send(app, { method: 'GET', url, headers: admin.auth }), [404], ['not_found'])
  }), { numRuns: RUNS })
  t.pass('every valid id got 204 (then the user is gone) or 404')

  await fc.assert(fc.asyncProperty(junkUuid, async (id) => {
    expectRefused(await send(app, { method: 'DELETE', url: `/users/${segment(id)}`, headers: admin.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id got 400 validation_error')
}

async function endSessionsProperties (t: Test, app: FastifyInstance, admin: LoggedInUser, existing: string[]): Promise<void> {
  const documented = await documentedCodes(app, '/users/{id}/sessions', 'delete')
  // Not the admin's own: ending their sessions would end the token the runs use.
  const others = existing.filter((id) => id !== admin.id)
  await fc.assert(fc.asyncProperty(validUserId(others), async (id) => {
    const exchange = await send(app, { method: 'DELETE', url: `/users/${id}/sessions`, headers: admin.auth })
    expectAnswer(exchange, others.includes(id.toLowerCase()) ? [204] : [404], ['not_found'])
  }), { numRuns: RUNS })
  t.pass('every valid id got 204 or 404')

  await fc.assert(fc.asyncProperty(junkUuid, async (id) => {
    expectRefused(await send(app, { method: 'DELETE', url: `/users/${segment(id)}/sessions`, headers: admin.auth }), documented, 'validation_error')
  }), { numRuns: RUNS })
  t.pass('every junk id got 400 validation_error')
}

test('the administration operations against their schemas', async (t) => {
  const app = await build(t, { ...ADMIN, ...UNLIMITED_REQUESTS })
  const admin = await loggedInAdmin(app)
  const existing = [admin.id]
  for (let index = 0; index < 6; index++) existing.push(await createUser(app))
  await t.test('GET /users: valid queries 200, invalid ones 400', async (t) => await listProperties(t, app, admin))
  await t.test('GET /users/{id}: valid ids 200 or 404, junk 400', async (t) => await readProperties(t, app, admin, existing))
  await t.test('PATCH /users/{id}: valid ids and bodies 200 or 404, junk ids or invalid bodies 400', async (t) => await updateProperties(t, app, admin, existing))
  await t.test('DELETE /users/{id}: valid ids 204 or 404, junk 400', async (t) => await deleteProperties(t, app, admin))
  await t.test('DELETE /users/{id}/sessions: valid ids 204 or 404, junk 400', async (t) => await endSessionsProperties(t, app, admin, existing))
})
