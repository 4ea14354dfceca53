// Slow bodies on the credential routes: a password slot is taken only once the whole body has arrived and passed
// validation, the body must arrive within BODY_TIMEOUT_MS (408 request_timeout after it), and one client address holds
// at most its share of the slots, so one address cannot lock everyone else out of logging in.
import { connect, type Socket } from 'node:net'
import { availableParallelism } from 'node:os'
import { test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { build, loggedInUser, registerUser } from '../helper.js'
import { BODY_TIMEOUT_MS, slotsPerAddress } from '../../plugins/passwords.js'

const TRICKLER = '203.0.113.66'
const SOMEONE_ELSE = '198.51.100.20'

interface Trickle {
  socket: Socket
  // Everything the server sent on this connection, and whether it has closed it.
  received: () => string
  closed: Promise<void>
  stop: () => void
}

// A request whose headers arrive at once and whose JSON body then comes a byte every 200 ms, never complete here.
function trickle (port: number, method: string, path: string, body: string, headers: Record<string, string> = {}): Trickle {
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const head = [`${method} ${path} HTTP/1.1`, 'Host: localhost', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Forwarded-For: ${TRICKLER}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n')
  socket.write(head)
  let sent = 0
  const timer = setInterval(() => {
    // The last byte is never sent, so the body never completes.
    if (sent < body.length - 1 && !socket.destroyed) socket.write(body[sent++] ?? '')
  }, 200)
  closed.finally(() => clearInterval(timer)).catch(() => {})
  return { socket, received: () => received, closed, stop: () => { clearInterval(timer); socket.destroy() } }
}

// Resolves once the server has seen `count` requests (their headers) arrive.
function requestsArrived (app: FastifyInstance, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0
    app.server.on('request', function countRequest () {
      if (++seen === count) resolve()
    })
  })
}

async function listening (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP')
  return address.port
}

test('an address trickling many login bodies a byte at a time holds no password slot: a user at another address logs in', async (t) => {
  // 2 waiting + one per CPU: before the fix, as many trickling requests held every slot.
  const app = await build(t, { argon2QueueSize: 2, trustProxy: true })
  const user = await registerUser(app, 'patient-user')
  const port = await listening(app)

  const count = 40
  const arrived = requestsArrived(app, count)
  const tricklers = Array.from({ length: count }, () => trickle(port, 'POST', '/login', JSON.stringify({ username: 'nobody', password: 'a password sent slowly' })))
  t.teardown(() => { for (const each of tricklers) each.stop() })
  await arrived

  for (let attempt = 0; attempt < 3; attempt++) {
    const login = await app.inject({ method: 'POST', url: '/login', headers: { 'x-forwarded-for': SOMEONE_ELSE }, payload: { username: user.username, password: user.password } })
    t.equal(login.statusCode, 200, `login ${attempt + 1} from another address succeeds (${login.body})`)
    t.match(login.json(), { token_type: 'Bearer', access_token: String, refresh_token: String })
  }
  // The race happened: every trickling request was still open and unanswered while the user logged in.
  t.same(tricklers.filter((each) => each.received() !== '' || each.socket.destroyed).length, 0, 'all 40 trickling requests are still waiting for their bodies')
})

test('a credential body that does not arrive within the bound gets 408 request_timeout and the connection closes', async (t) => {
  const app = await build(t, { trustProxy: true })
  const user = await loggedInUser(app, 'slow-typist')
  const port = await listening(app)

  const routes = [
    trickle(port, 'POST', '/login', JSON.stringify({ username: user.username, password: user.password })),
    trickle(port, 'POST', '/register', JSON.stringify({ username: 'newcomer', password: 'a long enough password', name: 'Newcomer' })),
    trickle(port, 'PUT', '/profile/password', JSON.stringify({ currentPassword: user.password, newPassword: 'a brand new passphrase' }), user.auth)
  ]
  t.teardown(() => { for (const each of routes) each.stop() })
  const started = Date.now()
  for (const each of routes) {
    await each.closed
    const answer = each.received()
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    t.match(head, /^HTTP\/1\.1 408 Request Timeout\r\n/, 'status 408')
    t.match(head, /\r\nconnection: close\r\n/i, 'the connection closes')
    t.same(JSON.parse(body), { statusCode: 408, error: 'Request Timeout', message: `The request body did not arrive within ${BODY_TIMEOUT_MS / 1000} s`, code: 'request_timeout' })
  }
  t.ok(Date.now() - started >= BODY_TIMEOUT_MS - 100, 'not before the bound')

  const login = await app.inject({ method: 'POST', url: '/login', payload: { username: user.username, password: user.password } })
  t.equal(login.statusCode, 200, 'the password did not change and logins go on')
})

test('one address holds at most its share of the password slots; another address is admitted meanwhile', async (t) => {
  const queueSize = 6
  const app = await build(t, { argon2QueueSize: queueSize, trustProxy: true, loginFailureLimit: 1000 })
  const share = slotsPerAddress(queueSize + availableParallelism())
  const flooder = await registerUser(app, 'flooder')
  const victim = await registerUser(app, 'victim')

  // How many of the flooder's password checks run or wait at once.
  let flooderChecks = 0
  let mostFlooderChecks = 0
  const verify = app.passwords.verify
  app.passwords.verify = async (passwordHash, password, forRequest) => {
    const isFlooder = password === flooder.password
    if (isFlooder) mostFlooderChecks = Math.max(mostFlooderChecks, ++flooderChecks)
    try {
      return await verify(passwordHash, password, forRequest)
    } finally {
      if (isFlooder) flooderChecks--
    }
  }

  const login = (who: { username: string, password: string }, ip: string) =>
    app.inject({ method: 'POST', url: '/login', headers: { 'x-forwarded-for': ip }, payload: { username: who.username, password: who.password } })
  const flood = Array.from({ length: 30 }, () => login(flooder, TRICKLER))
  const victimAnswer = await login(victim, SOMEONE_ELSE)
  const floodAnswers = await Promise.all(flood)

  t.equal(victimAnswer.statusCode, 200, `the user at another address is admitted (${victimAnswer.body})`)
  const refused = floodAnswers.filter((answer) => answer.statusCode === 429)
  t.ok(refused.length > 0, `the flooding address is refused past its share (${refused.length} of 30 refused)`)
  for (const answer of refused) {
    t.same(answer.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Too many password checks from your address are in progress; try again shortly', code: 'rate_limited' })
    t.equal(answer.headers['retry-after'], '1')
  }
  for (const answer of floodAnswers.filter((each) => each.statusCode !== 429)) t.equal(answer.statusCode, 200)
  t.ok(mostFlooderChecks <= share, `at most ${share} of the flooder's checks at once (saw ${mostFlooderChecks})`)
})
