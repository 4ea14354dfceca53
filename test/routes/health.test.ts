import { test } from 'tap'
import { build } from '../helper.js'

test('GET /health answers 200 ok', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/health' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

test('GET /ready answers 200 while the database answers', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})
