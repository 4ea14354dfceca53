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

test('GET /ready logs a database outage when it starts and when it ends, not on every poll', async (t) => {
  const app = await build(t)
  const lines: Array<{ level: string, msg: string }> = []
  for (const level of ['warn', 'info'] as const) {
    const original = app.log[level]
    app.log[level] = function (this: unknown, ...args: unknown[]) {
      lines.push({ level, msg: String(args.at(-1)) })
      return (original as (...a: unknown[]) => void).apply(this, args)
    } as typeof original
  }
  const checkDatabase = app.checkDatabase
  app.checkDatabase = async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }
  for (let poll = 0; poll < 5; poll++) {
    const response = await app.inject({ method: 'GET', url: '/ready' })
    t.equal(response.statusCode, 503)
    t.same(response.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer', code: 'service_unavailable' })
  }
  app.checkDatabase = checkDatabase
  for (let poll = 0; poll < 3; poll++) t.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200)
  t.same(lines.filter((line) => line.msg.startsWith('database')), [
    { level: 'warn', msg: 'database unreachable' },
    { level: 'info', msg: 'database answers again' }
  ])
})
