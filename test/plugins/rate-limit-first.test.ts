// The rate limit runs before any other work on every route: refused requests (no token, a forged token, an unknown
// route, a body that fails validation or is not JSON) are counted, and once a client's allowance is used up they get
// 429 instead, without the token's signature ever being checked.
import { test } from 'tap'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { build, loggedInUser } from '../helper.js'

const forgedToken = `${Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'at+jwt', kid: 'made-up' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', sid: 'y', jti: 'z' })).toString('base64url')}.${'A'.repeat(86)}`

const refusedRequests: Record<string, InjectOptions> = {
  'no token': { method: 'GET', url: '/profile' },
  'a forged, well-formed token': { method: 'GET', url: '/profile', headers: { authorization: `Bearer ${forgedToken}` } },
  'an unknown route': { method: 'GET', url: '/no/such/route' },
  'a body that fails validation': { method: 'POST', url: '/register', payload: { username: 'x' } },
  'a body that is not JSON': { method: 'POST', url: '/todo', headers: { 'content-type': 'text/plain' }, payload: 'hello' },
  'a forged token on an optional-auth route': { method: 'GET', url: '/todo', headers: { authorization: `Bearer ${forgedToken}` } }
}

// Counts the key look-ups of signature checks, the work a forged token would cost.
function countSignatureChecks (app: FastifyInstance): () => number {
  let checks = 0
  const lookUp = app.signingKeys.verificationKeyFor
  app.signingKeys.verificationKeyFor = async (kid) => { checks++; return await lookUp(kid) }
  return () => checks
}

test('refused requests count: each of them uses up the global allowance like any other', async (t) => {
  const requests = Object.entries(refusedRequests)
  const app = await build(t, { rateLimitGlobal: requests.length })
  const signatureChecks = countSignatureChecks(app)
  for (const [what, request] of requests) {
    const answer = await app.inject(request)
    t.not(answer.statusCode, 429, `${what}: refused for its own reason (${answer.statusCode})`)
    t.equal(answer.headers['ratelimit-limit'], String(requests.length), `${what}: carries the RateLimit fields`)
  }
  t.equal(signatureChecks(), 2, 'while allowed, each forged token costs a signature check (what the limiter saves below)')
  const next = await app.inject({ method: 'GET', url: '/todo' })
  t.equal(next.statusCode, 429, 'the next request finds the allowance used up')
  // What is left of the minute: 60 s on an idle machine, less on a loaded one.
  t.match(next.json(), { statusCode: 429, error: 'Too Many Requests', message: /^Too many requests; retry in ([1-9]|[1-5]\d|60) s$/, code: 'rate_limited' })
})

test('with the global allowance used up, every refused request gets 429 and a forged token costs no signature check', async (t) => {
  const app = await build(t, { rateLimitGlobal: 2 })
  const signatureChecks = countSignatureChecks(app)
  const user = await loggedInUser(app)
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: user.auth })).statusCode, 429, 'the allowance is used up (register and login)')
  const checksBefore = signatureChecks()
  for (const [what, request] of Object.entries(refusedRequests)) {
    const answer = await app.inject(request)
    t.equal(answer.statusCode, 429, `${what}: 429`)
    t.match(answer.json(), { statusCode: 429, error: 'Too Many Requests', message: /^Too many requests; retry in \d+ s$/, code: 'rate_limited' }, `${what}: the rate_limited body`)
    t.ok(Number(answer.headers['retry-after']) > 0, `${what}: Retry-After`)
    t.equal(answer.headers['www-authenticate'], undefined, `${what}: no authentication challenge`)
  }
  t.equal(signatureChecks(), checksBefore, 'no signature was checked for the refused requests')
})

test('the limiter is the first onRequest hook of every route, before authentication, CORS and load shedding', async (t) => {
  const app = await build(t, { rateLimitGlobal: 100, corsOrigins: ['https://app.example.com'], maxEventLoopDelayMs: 60_000 })
  const hookLists = app.printRoutes({ includeHooks: true, commonPrefix: false }).split('\n')
    .map((line) => /\(onRequest\) (\[.*\])/.exec(line)?.[1]).filter((list) => list !== undefined)
  t.ok(hookLists.length > 40, `${hookLists.length} routes checked`)
  // Only the drain's hold may come before it: it does nothing but hold requests while a shutdown settles.
  const notFirst = hookLists.filter((list) => (JSON.parse(list) as string[]).filter((hook) => hook !== 'holdWhileSettling()')[0] !== 'countRequest()')
  t.same(notFirst, [], 'countRequest() comes first everywhere, after the drain\'s hold')
})
