// argon2 work is bounded: one hash per CPU, at most ARGON2_QUEUE_SIZE waiting, 503 with Retry-After beyond that
// (at once, not after a long wait), and no hash is started for a client that has gone.
import { availableParallelism } from 'node:os'
import Fastify from 'fastify'
import { test } from 'tap'
import { build, registerUser } from '../helper.js'

// Each from an address of its own: one address alone holds only its share of the slots (test/security/slow-bodies.test.ts).
function fromAddress (index: number): Record<string, string> {
  return { 'x-forwarded-for': `192.0.2.${index + 1}` }
}
import loadShed from '../../plugins/load-shed.js'
import passwords from '../../plugins/passwords.js'

test('a login flood beyond the queue gets 503 with Retry-After at once; admitted logins succeed', async (t) => {
  const app = await build(t, { argon2QueueSize: 2, trustProxy: true })
  const user = await registerUser(app)
  const started = Date.now()
  const answers = await Promise.all(Array.from({ length: 40 }, (_, index) =>
    app.inject({ method: 'POST', url: '/login', headers: fromAddress(index), payload: { username: user.username, password: user.password } })))
  const elapsed = Date.now() - started

  const shed = answers.filter((answer) => answer.statusCode === 503)
  const admitted = answers.filter((answer) => answer.statusCode === 200)
  t.ok(shed.length > 0, `some logins were shed (${shed.length} of 40)`)
  t.ok(admitted.length > 0, `some logins were admitted (${admitted.length} of 40)`)
  t.equal(shed.length + admitted.length, 40, 'every login answered 200 or 503')
  for (const answer of shed) {
    t.same(answer.json(), { statusCode: 503, error: 'Service Unavailable', message: 'Too many password checks are waiting; try again shortly', code: 'service_unavailable' })
    t.equal(answer.headers['retry-after'], '5')
  }
  for (const answer of admitted) t.match(answer.json(), { token_type: 'Bearer', access_token: String })
  // No timing assertion (a loaded machine may take any time): the next test proves the refused ones did no work.
  t.comment(`the flood was answered in ${elapsed} ms`)

  const metrics = await app.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, new RegExp(`load_shed_total\\{reason="password_queue"\\} ${shed.length}\\b`), 'shed logins are counted')
})

test('past the queue, a login is refused before its user is looked up', async (t) => {
  const app = await build(t, { argon2QueueSize: 2, trustProxy: true })
  const user = await registerUser(app)
  let lookups = 0
  const findByUsername = app.users.findByUsername
  app.users.findByUsername = async (username) => {
    lookups++
    return await findByUsername(username)
  }
  const answers = await Promise.all(Array.from({ length: 40 }, (_, index) =>
    app.inject({ method: 'POST', url: '/login', headers: fromAddress(index), payload: { username: user.username, password: user.password } })))
  const shed = answers.filter((answer) => answer.statusCode === 503)
  t.ok(shed.length >= 40 - 2 - availableParallelism(), `at most the queue and one per CPU were admitted (${40 - shed.length})`)
  t.equal(lookups, 40 - shed.length, 'only admitted logins looked their user up')
  for (const answer of shed) {
    t.same(answer.json(), { statusCode: 503, error: 'Service Unavailable', message: 'Too many password checks are waiting; try again shortly', code: 'service_unavailable' })
    t.equal(answer.headers['retry-after'], '5')
  }
  for (const answer of answers.filter((answer) => answer.statusCode !== 503)) t.equal(answer.statusCode, 200)

  // Admission is given back with each answer: the next login is admitted.
  const after = await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: user.password } })
  t.equal(after.statusCode, 200)
})

test('a hash whose client has gone by its turn is not started', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(loadShed)
  await app.register(passwords, { queueSize: 100 })
  await app.ready()
  const passwordHash = await app.passwords.hash('correct horse battery staple')

  // Enough work ahead of it that it waits; its client leaves while it waits.
  const ahead = Array.from({ length: 4 }, () => app.passwords.hash('some other password'))
  const socket = { destroyed: false }
  const leaving = app.passwords.verify(passwordHash, 'correct horse battery staple', { raw: { socket } } as never)
  socket.destroyed = true
  await t.rejects(leaving, { statusCode: 503, code: 'service_unavailable', message: 'The client has gone' })
  await Promise.all(ahead)
  const counted = (await app.loadShed.counter.get()).values.find((value) => value.labels.reason === 'client_gone')
  t.equal(counted?.value, 1, 'counted as client_gone')

  const stayed = { destroyed: false }
  t.equal(await app.passwords.verify(passwordHash, 'correct horse battery staple', { raw: { socket: stayed } } as never), true, 'a client that stays gets its answer')
})
