// Writes that race: the database decides, never a read-then-write in the application.
import { test } from 'tap'
import { build } from '../helper.js'

test('simultaneous registrations of one username: exactly one 201, the rest 409 username_taken', async (t) => {
  const app = await build(t)
  const spellings = ['racer', 'Racer', 'RACER', 'racer', 'rAcEr']
  const responses = await Promise.all(spellings.map((username) =>
    app.inject({ method: 'POST', url: '/register', payload: { username, password: 'a good long passphrase', name: 'Racer' } })))
  const statuses = responses.map((response) => response.statusCode).sort()
  t.same(statuses, [201, 409, 409, 409, 409])
  for (const response of responses.filter((candidate) => candidate.statusCode === 409)) {
    t.match(response.json(), { statusCode: 409, error: 'Conflict', code: 'username_taken' })
  }
  const stored = await app.db.selectFrom('users').select('username').execute()
  t.equal(stored.length, 1, 'one row')
})
