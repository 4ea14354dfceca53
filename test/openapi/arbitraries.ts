// Shared pieces of the OpenAPI property tests: generators drawn from the schemas' own constraints (schemas/), and the
// checks that an answer is the documented success, or a 400 with a code that the operation documents for 400.
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { MAX_TASK_ID } from '../../schemas/todo.js'

export const RUNS = Number(process.env.FC_RUNS ?? 40)
// A larger FC_RUNS asks for more requests than one client may make in a minute; the limit has its own tests.
export const UNLIMITED_REQUESTS = { rateLimitGlobal: 0 }

// For properties whose every run hashes or verifies a password (argon2 at OWASP's cost: tens of milliseconds each).
export const HASHING_RUNS = Math.max(1, Math.round(RUNS / 4))

// Printable ASCII text without U+0000 (refused as input everywhere: PostgreSQL cannot store it).
export const text = (minLength: number, maxLength: number): fc.Arbitrary<string> => fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }).filter((value) => !value.includes('\u0000'))

// Any Unicode text, lengths counted in code points as JSON Schema counts them; lone surrogates never occur.
export const unicodeText = (minLength: number, maxLength: number): fc.Arbitrary<string> => fc.string({ minLength, maxLength, unit: 'binary' })

export const unicodeTextWithoutNul = (minLength: number, maxLength: number): fc.Arbitrary<string> => unicodeText(minLength, maxLength).filter((value) => !value.includes('\u0000'))

// Text of the given length with a U+0000 somewhere in it.
export const textWithNul = (maxLength: number): fc.Arbitrary<string> => fc.tuple(text(0, maxLength - 1), fc.nat()).map(([value, at]) => {
  const index = at % (value.length + 1)
  return `${value.slice(0, index)}\u0000${value.slice(index)}`
})

// A JSON value that is not a string.
export const notAString: fc.Arbitrary<unknown> = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.constant({}))

// A property name that `known` does not list (bodies and queries take only the properties their schema declares).
export const unknownName = (known: string[]): fc.Arbitrary<string> => fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).filter((name) => !known.includes(name))

type Body = Record<string, unknown>

// Bodies that break a valid body in one way: a field given a value that breaks its schema, a required field left out,
// or a property the schema does not declare added.
export function oneFieldBroken (valid: fc.Arbitrary<Body>, broken: Record<string, fc.Arbitrary<unknown>>, required: string[], known: string[]): fc.Arbitrary<Body> {
  return fc.oneof(
    ...Object.entries(broken).map(([field, value]) => fc.tuple(valid, value).map(([body, wrong]) => ({ ...body, [field]: wrong }))),
    ...required.map((field) => valid.map(({ [field]: _left, ...rest }) => rest)),
    fc.tuple(valid, unknownName(known), fc.jsonValue({ maxDepth: 1 })).map(([body, name, value]) => ({ ...body, [name]: value }))
  )
}

// --- Tasks (schemas/todo.ts) ---

const dueDate = fc.date({ min: new Date('0002-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true })
// A calendar date or a date-time with an offset, well inside the years 0001-9999 in UTC.
export const due = fc.oneof(dueDate.map((date) => date.toISOString().slice(0, 10)), dueDate.map((date) => date.toISOString()))

const taskFields = { title: text(1, 200), description: text(0, 2000), due }

export const validCreateTaskBody = fc.record(taskFields, { requiredKeys: ['title'] })

// Each breaks one constraint of a task body's fields.
const brokenTaskField = fc.oneof(
  fc.record({ title: fc.constant('') }),
  fc.record({ title: text(201, 260) }),
  fc.record({ title: textWithNul(200) }),
  fc.record({ title: notAString }),
  fc.record({ title: text(1, 20), description: text(2001, 2100) }),
  fc.record({ title: text(1, 20), description: notAString }),
  fc.record({ title: text(1, 20), due: fc.constantFrom('tomorrow', '2026-02-30', '0000-01-01', '2026-13-01', '', '2026-12-01T25:00:00Z', '10000-01-01') }),
  fc.record({ title: text(1, 20), done: fc.boolean() })
)

export const invalidCreateTaskBody = fc.oneof(brokenTaskField, fc.record({ description: text(0, 20) }))

// PUT /todo/{id}: the same fields, all optional, at least one.
export const validUpdateTaskBody = fc.record(taskFields, { requiredKeys: [] }).filter((body) => Object.keys(body).length > 0)

export const invalidUpdateTaskBody = fc.oneof(brokenTaskField, fc.constant({}), fc.record({ done: fc.boolean() }), fc.record({ userId: fc.uuid() }))

// --- Path and query parameters ---

// A task id as a path segment: plain decimal digits (leading zeros too, as the validator reads them) within 1..MAX_TASK_ID.
export const taskIdSegment = (id: fc.Arbitrary<number>): fc.Arbitrary<string> => fc.tuple(id, fc.constantFrom('', '', '', '0', '00')).map(([value, zeros]) => `${zeros}${value}`)

export const anyTaskId = fc.integer({ min: 1, max: MAX_TASK_ID })

// Segments that name no task id: not decimal digits, out of range, or too long to be read as a number.
export const junkTaskIdSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('abc', '0', '-1', '1.5', '1e3', '0x10', '+1', ' 1', '1 ', 'one', 'null', 'NaN', 'Infinity', '١', '1,5', '-0', '00000000000000001', '99999999999999999999'),
  fc.integer({ min: MAX_TASK_ID + 1, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.integer({ min: -MAX_TASK_ID, max: -1 }).map(String),
  fc.double({ min: 1, max: 1e6, noInteger: true, noNaN: true }).map(String),
  text(1, 12).filter((value) => !/^\d+$/.test(value.trim()) && value !== '.' && value !== '..')
)

const hex = (length: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length })

// format: uuid as the validator reads it: 8-4-4-4-12 hexadecimal digits in any letter case, whatever the version bits.
export const anyUuid: fc.Arbitrary<string> = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join('-'))

// A user id in another letter case names the same user (UUIDs compare without regard to case).
export const anyCase = (value: string): fc.Arbitrary<string> => fc.constantFrom(value, value.toUpperCase(), value.toLowerCase())

export const junkUuid: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('abc', '1', 'null', '00000000-0000-0000-0000-00000000000', '00000000-0000-0000-0000-0000000000000', '{00000000-0000-0000-0000-000000000000}', 'g0000000-0000-0000-0000-000000000000', '000000000000000000000000000000000000'),
  anyUuid.map((uuid) => uuid.replace(/-/g, '')),
  anyUuid.map((uuid) => ` ${uuid}`),
  anyUuid.map((uuid) => `${uuid}0`),
  text(1, 40).filter((value) => !/^(urn:uuid:)?[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i.test(value) && value !== '.' && value !== '..')
)

// Page sizes, cursors and other query values shared by GET /todo and GET /users.
export const pageLimit = fc.integer({ min: 1, max: 100 }).map(String)

export const junkPageLimit: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '-1', '101', '1.5', '1e1', '0x10', ' 5', 'ten', '', 'true', '99999999999999999999'),
  fc.integer({ min: 101, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.integer({ min: -1000, max: 0 }).map(String)
)

// Cursors the service never issued: the wrong alphabet or length, or base64url of something that is not a position.
export const junkCursor: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', 'a+b', 'a/b', 'a=', 'a b', '%'),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019_-'), minLength: 201, maxLength: 240 }),
  fc.string({ unit: fc.constantFrom(...'abcdefXYZ0189_-'), minLength: 1, maxLength: 40 }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')).filter((value) => value.length > 0 && value.length <= 200)
)

// An Idempotency-Key: 1 to 255 printable ASCII characters.
export const idempotencyKey = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 255 })

export const junkIdempotencyKey: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'grapheme-ascii', minLength: 256, maxLength: 300 }),
  fc.tuple(text(0, 20), fc.constantFrom('\t', '\u007f', 'é', '\u00a0', 'ÿ'), text(0, 20)).map((parts) => parts.join(''))
)

// --- Conditional requests (RFC 9110 section 13) ---

// Opaque tags (RFC 9110 section 8.8.3: no double quote inside), weak or strong, as a list.
export const entityTag = fc.tuple(fc.boolean(), text(0, 20).filter((value) => !value.includes('"'))).map(([weak, opaque]) => `${weak ? 'W/' : ''}"${opaque}"`)
const tagList = (tags: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.array(tags, { minLength: 1, maxLength: 4 }).map((list) => list.join(', '))

// If-None-Match values that name the current representation (weak comparison), and values that cannot.
export function ifNoneMatch (current: string): fc.Arbitrary<{ matches: boolean, header: string }> {
  const others = entityTag.filter((tag) => tag.replace(/^W\//, '') !== current)
  return fc.oneof(
    fc.constantFrom(current, `W/${current}`, '*', ' * ').map((header) => ({ matches: true, header })),
    fc.tuple(fc.array(others, { maxLength: 3 }), fc.constantFrom(current, `W/${current}`), fc.nat()).map(([list, tag, at]) => {
      list.splice(at % (list.length + 1), 0, tag)
      return { matches: true, header: list.join(', ') }
    }),
    tagList(others).map((header) => ({ matches: false, header })),
    // Not a list of entity tags at all: nothing in it can match.
    text(0, 40).filter((value) => !value.includes('"') && value.trim() !== '*').map((header) => ({ matches: false, header }))
  )
}

// An If-Match for a task whose tag is only known when the run sends it (each accepted write gives a new one).
export type IfMatchFor = (current: string) => { matches: boolean, header: string | undefined }

// Tags that name another representation of the same task: another version of it, or its tag made weak.
const otherTag: fc.Arbitrary<(current: string) => string> = fc.oneof(
  entityTag.map((tag) => () => tag),
  fc.integer({ min: 1, max: 1000 }).map((version) => (current: string) => current.replace(/\.\d+"$/, `.${version}"`)),
  fc.constant((current: string) => `W/${current}`)
)

// If-Match values (strong comparison: a weak tag never matches), absent included.
export const ifMatch: fc.Arbitrary<IfMatchFor> = fc.oneof(
  fc.constantFrom(undefined, '*', ' * ').map((header): IfMatchFor => () => ({ matches: true, header })),
  fc.tuple(fc.array(otherTag, { maxLength: 3 }), fc.nat(), fc.boolean()).map(([others, at, named]): IfMatchFor => (current) => {
    const list = others.map((tag) => tag(current)).filter((tag) => tag !== current)
    if (named) list.splice(at % (list.length + 1), 0, current)
    return { matches: named, header: list.join(', ') }
  }),
  // Not a list of entity tags at all: nothing in it can match.
  text(0, 40).filter((value) => !value.includes('"') && value.trim() !== '*').map((header): IfMatchFor => () => ({ matches: false, header }))
)

// --- Requests and answers ---

// A query string from parameters, left out when undefined; arrays repeat the parameter.
export function withQuery (path: string, parameters: Record<string, string | string[] | undefined>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(parameters)) {
    for (const each of [value ?? []].flat()) query.append(name, each)
  }
  const text = query.toString()
  return text === '' ? path : `${path}?${text}`
}

export interface Exchange {
  request: InjectOptions
  response: LightMyRequestResponse
}

export async function send (app: FastifyInstance, request: InjectOptions): Promise<Exchange> {
  return { request, response: await app.inject(request) }
}

// The request and the answer, for a property's failure report (fast-check shrinks to the smallest one).
export function described ({ request, response }: Exchange): string {
  const { method, url, headers, payload } = request
  // The token says nothing about the failure and would fill the report.
  const shown = headers === undefined ? undefined : { ...headers, ...(headers.authorization === undefined ? {} : { authorization: 'Bearer …' }) }
  const sent = { ...(shown === undefined ? {} : { headers: shown }), ...(payload === undefined ? {} : { payload }) }
  return `${String(method)} ${String(url)} ${JSON.stringify(sent).slice(0, 600)} -> ${response.statusCode} ${response.body.slice(0, 300)}`
}

function codeOf (response: LightMyRequestResponse): unknown {
  try {
    return (response.json() as { code?: unknown }).code
  } catch {
    return undefined
  }
}

// A documented answer to valid input: one of the expected statuses (never 400, never 5xx), and, for an error, one of `codes`.
export function expectAnswer (exchange: Exchange, statuses: number[], codes?: string[]): void {
  const { statusCode } = exchange.response
  if (!statuses.includes(statusCode)) throw new Error(`expected ${statuses.join(' or ')}: ${described(exchange)}`)
  if (statusCode >= 400 && codes !== undefined && !codes.includes(String(codeOf(exchange.response)))) throw new Error(`expected code ${codes.join(' or ')}: ${described(exchange)}`)
}

// Invalid input: 400 with a code the operation documents for 400 (and, when given, exactly `code`).
export function expectRefused (exchange: Exchange, documented: string[], code?: string): void {
  const answered = codeOf(exchange.response)
  const body = exchange.response.statusCode === 400 ? exchange.response.json() as { statusCode?: unknown } : {}
  if (exchange.response.statusCode !== 400 || body.statusCode !== 400 || typeof answered !== 'string' || !documented.includes(answered)) {
    throw new Error(`expected 400 with a documented code (${documented.join(', ')}): ${described(exchange)}`)
  }
  if (code !== undefined && answered !== code) throw new Error(`expected 400 ${code}: ${described(exchange)}`)
}

// The cursors of every next page that a listing's Links give, from `firstPage` on.
export async function issuedCursors (app: FastifyInstance, firstPage: string, auth: { authorization: string }): Promise<string[]> {
  const cursors: string[] = []
  let url: string | undefined = firstPage
  while (url !== undefined) {
    const response: LightMyRequestResponse = await app.inject({ method: 'GET', url, headers: auth })
    const next: string | undefined = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ''))?.[1]
    const cursor = next === undefined ? null : new URL(next, 'http://localhost').searchParams.get('cursor')
    if (cursor !== null) cursors.push(cursor)
    url = next
  }
  if (cursors.length === 0) throw new Error(`${firstPage} issued no cursor`)
  return cursors
}

interface ServedDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } }> }> }>>
}

const servedDocuments = new WeakMap<FastifyInstance, Promise<ServedDocument>>()

// The codes an operation documents for a status, read from the document the app serves (as clients read it).
export async function documentedCodes (app: FastifyInstance, path: string, method: string, status = 400): Promise<string[]> {
  let document = servedDocuments.get(app)
  if (document === undefined) {
    document = app.inject({ method: 'GET', url: '/docs/json' }).then((response) => response.json() as ServedDocument)
    servedDocuments.set(app, document)
  }
  const codes = (await document).paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema?.allOf?.[1]?.properties?.code?.enum
  if (codes === undefined || codes.length === 0) throw new Error(`${method.toUpperCase()} ${path} documents no codes for ${status}`)
  return codes
}
