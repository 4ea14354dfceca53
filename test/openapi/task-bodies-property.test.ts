// Property tests from the document's own constraints: task bodies generated within CreateTaskBody's schema are accepted
// (201), bodies that break it are refused with 400 and a code that POST /todo documents for 400.
import { test } from 'tap'
import fc from 'fast-check'
import { build, loggedInUser } from '../helper.js'

const RUNS = Number(process.env.FC_RUNS ?? 40)

// Text without U+0000 (refused as input everywhere: PostgreSQL cannot store it).
const text = (minLength: number, maxLength: number): fc.Arbitrary<string> => fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }).filter((value) => !value.includes('\u0000'))

// A calendar date or a date-time with an offset, well inside the years 0001-9999 in UTC.
const due = fc.oneof(
  fc.date({ min: new Date('0002-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  fc.date({ min: new Date('0002-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString())
)

const validBody = fc.record({ title: text(1, 200), description: text(0, 2000), due }, { requiredKeys: ['title'] })

const invalidBody = fc.oneof(
  fc.record({ title: fc.constant('') }),
  fc.record({ title: text(201, 260) }),
  fc.record({ title: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) }),
  fc.record({ title: text(1, 20), description: text(2001, 2100) }),
  fc.record({ title: text(1, 20), due: fc.constantFrom('tomorrow', '2026-02-30', '0000-01-01', '2026-13-01', '') }),
  fc.record({ title: text(1, 20), done: fc.boolean() }),
  fc.record({ description: text(0, 20) })
)

test('generated task bodies: valid ones are created, invalid ones get 400 with a documented code', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const documented: string[] = document.paths['/todo'].post.responses['400'].content['application/json'].schema.allOf[1].properties.code.enum

  await fc.assert(fc.asyncProperty(validBody, async (body) => {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: body })
    if (response.statusCode !== 201) throw new Error(`${JSON.stringify(body)} -> ${response.statusCode} ${response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid body was created')

  await fc.assert(fc.asyncProperty(invalidBody, async (body) => {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: body })
    const code = (response.json() as { code?: string }).code
    if (response.statusCode !== 400 || code === undefined || !documented.includes(code)) throw new Error(`${JSON.stringify(body)} -> ${response.statusCode} ${response.body}`)
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 with a documented code')
})
