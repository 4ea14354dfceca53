// Verified access tokens are remembered (lib/auth/verified-tokens.ts); the memo must never outlive the token or its session.
import { Agent, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { test, type Test } from 'tap'
import { build, loggedInUser } from '../helper.js'

interface ConnectionAnswer { status: number, body: { id?: string, code?: string }, reused: boolean }

// GET requests one after another on a single keep-alive connection, as a client's pool sends them.
async function oneConnection (t: Test, app: FastifyInstance): Promise<(path: string, authorization: string) => Promise<ConnectionAnswer>> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { agent.destroy() })
  return async (path, authorization) => await new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, agent, headers: { authorization } }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => { resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), reused: request.reusedSocket }) })
    })
    request.on('error', reject)
    request.end()
  })
}

// The token with another user's id in its claims and its own signature, as an attacker would try it.
function withSubject (token: string, sub: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub }
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
}

test('on one keep-alive connection, a header that differs from the last request\'s is checked in full', async (t) => {
  const app = await build(t)
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const get = await oneConnection(t, app)
  const first = await get('/profile', alice.auth.authorization)
  t.same([first.status, first.body.id], [200, alice.id])
  const again = await get('/profile', alice.auth.authorization)
  t.same([again.status, again.body.id, again.reused], [200, alice.id, true], 'the same header on the same connection')
  const forged = await get('/profile', `Bearer ${withSubject(alice.accessToken, bob.id)}`)
  t.same([forged.status, forged.body.code, forged.reused], [401, 'invalid_token', true], 'Alice\'s signature on Bob\'s id')
  const lowerCase = await get('/profile', `bearer ${alice.accessToken}`)
  t.same([lowerCase.status, lowerCase.body.id], [200, alice.id], 'the scheme in another case is the same token')
  const other = await get('/profile', bob.auth.authorization)
  t.same([other.status, other.body.id, other.reused], [200, bob.id, true], 'another user\'s token on the connection is Bob')
  const back = await get('/profile', alice.auth.authorization)
  t.same([back.status, back.body.id], [200, alice.id])
})

test('on one keep-alive connection, the token of the last request still ends with its session and its lifetime', async (t) => {
  const app = await build(t, { accessTokenTtl: 60 })
  const alice = await loggedInUser(app)
  const bob = await loggedInUser(app)
  const get = await oneConnection(t, app)
  t.equal((await get('/todo', alice.auth.authorization)).status, 200)
  t.equal((await get('/todo', alice.auth.authorization)).status, 200, 'known on the connection')
  t.equal((await app.inject({ method: 'POST', url: '/logout', headers: alice.auth })).statusCode, 204)
  const revoked = await get('/todo', alice.auth.authorization)
  t.same([revoked.status, revoked.body.code, revoked.reused], [401, 'token_revoked', true])

  t.equal((await get('/profile', bob.auth.authorization)).status, 200)
  t.equal((await get('/profile', bob.auth.authorization)).status, 200, 'known on the connection')
  const realNow = Date.now
  Date.now = () => realNow() + 66_000
  t.teardown(() => { Date.now = realNow })
  const expired = await get('/profile', bob.auth.authorization)
  Date.now = realNow
  t.same([expired.status, expired.body.code, expired.reused], [401, 'token_expired', true])
})

test('a token used before answers token_expired once it expires, though it was remembered', async (t) => {
  const app = await build(t, { accessTokenTtl: 60 })
  const user = await loggedInUser(app)
  const before = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  t.equal(before.statusCode, 200, 'verified, and so remembered')
  t.equal(before.json().id, user.id)

  const realNow = Date.now
  Date.now = () => realNow() + 66_000
  t.teardown(() => { Date.now = realNow })
  const after = await app.inject({ method: 'GET', url: '/profile', headers: user.auth })
  Date.now = realNow
  t.equal(after.statusCode, 401)
  t.match(after.json(), { statusCode: 401, error: 'Unauthorized', code: 'token_expired' })
})

test('a remembered token is refused at once when its session ends', async (t) => {
  const app = await build(t)
  const user = await loggedInUser(app)
  t.equal((await app.inject({ method: 'GET', url: '/todo', headers: user.auth })).statusCode, 200, 'verified, and so remembered')
  const logout = await app.inject({ method: 'POST', url: '/logout', headers: user.auth })
  t.equal(logout.statusCode, 204)
  const after = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  t.equal(after.statusCode, 401)
  t.match(after.json(), { statusCode: 401, code: 'token_revoked' })
})
