// `due` covers the years 0001 to 9999 in UTC: year 0 exists in few client languages, so it is refused as input.
import { test } from 'tap'
import { build, loggedInUser } from '../helper.js'

test('a due in year 0000, or one that an offset moves there, is refused with 400; year 0001 is kept', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  for (const due of ['0000-01-01', '0000-06-15T12:00:00Z', '0001-01-01T00:30:00+01:00']) {
    const created = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'old', due } })
    t.equal(created.statusCode, 400, due)
    t.match(created.json(), { statusCode: 400, error: 'Bad Request', code: 'validation_error', message: /due/ }, due)
  }
  const task = await app.inject({ method: 'POST', url: '/todo', headers: alice.auth, payload: { title: 'ancient', due: '0001-01-01' } })
  t.equal(task.statusCode, 201)
  t.match(task.json(), { title: 'ancient', due: '0001-01-01T00:00:00.000Z' })
  const edited = await app.inject({ method: 'PUT', url: `/todo/${task.json().id as number}`, headers: alice.auth, payload: { due: '0000-12-31' } })
  t.equal(edited.statusCode, 400)
  t.match(edited.json(), { code: 'validation_error', message: /due/ })
})
