// Property tests from the document's own constraints: task bodies generated within CreateTaskBody's schema are accepted
// (201), bodies that break it are refused with 400 and a code that POST /todo documents for 400.
import { test } from 'tap'
import fc from 'fast-check'
import { build, loggedInUser } from '../helper.js'
import { invalidCreateTaskBody, RUNS, validCreateTaskBody } from './arbitraries.js'

test('generated task bodies: valid ones are created, invalid ones get 400 with a documented code', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const documented: string[] = document.paths['/todo'].post.responses['400'].content['application/json'].schema.allOf[1].properties.code.enum

  await fc.assert(fc.asyncProperty(validCreateTaskBody, async (body) => {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: body })
    if (response.statusCode !== 201) throw new Error(`${JSON.stringify(body)} -> ${response.statusCode} ${response.body}`)
  }), { numRuns: RUNS })
  t.pass('every valid body was created')

  await fc.assert(fc.asyncProperty(invalidCreateTaskBody, async (body) => {
    const response = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: body })
    const code = (response.json() as { code?: string }).code
    if (response.statusCode !== 400 || code === undefined || !documented.includes(code)) throw new Error(`${JSON.stringify(body)} -> ${response.statusCode} ${response.body}`)
  }), { numRuns: RUNS })
  t.pass('every invalid body got 400 with a documented code')
})
