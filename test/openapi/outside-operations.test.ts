// Answers that no operation gives, in the API's error shape and documented in the OpenAPI description: a request that
// is not valid HTTP (Node's clientError path) gets 400 bad_request, a known path asked with a method it does not have
// 405 method_not_allowed with Allow, and an unknown path 404 not_found.
import { connect } from 'node:net'
import { test } from 'tap'
import Fastify from 'fastify'
import { refuseMalformedRequest } from '../../lib/http/server-options.js'
import { build } from '../helper.js'

// Sends raw bytes to a listening server and reads until it closes the connection.
async function rawExchange (port: number, request: string): Promise<string> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { answer += chunk })
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
    socket.setTimeout(30_000, () => { socket.destroy(); reject(new Error('no answer')) })
  })
}

function parseAnswer (raw: string): { status: number, headers: Record<string, string>, body: unknown } {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) }
}

test('a request that is not valid HTTP gets the API\'s error body with code bad_request, and the connection closes', async (t) => {
  const app = Fastify({ clientErrorHandler: refuseMalformedRequest })
  app.get('/health', async () => ({ status: 'ok' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }

  for (const [what, request] of [
    ['an invalid header name', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
    ['a bad request line', 'NOT A REQUEST LINE\r\n\r\n']
  ]) {
    const answer = parseAnswer(await rawExchange(port, request as string))
    t.equal(answer.status, 400, what)
    t.match(answer.headers, { 'content-type': 'application/json; charset=utf-8', connection: 'close', 'x-request-id': /^[0-9a-f-]{36}$/, 'x-content-type-options': 'nosniff' }, what)
    t.match(answer.body, { statusCode: 400, error: 'Bad Request', code: 'bad_request', message: /^The request is not valid HTTP/ }, what)
  }
})

test('a known path with a method it does not have answers 405 method_not_allowed with Allow; an unknown path 404', async (t) => {
  const app = await build(t)
  const patched = await app.inject({ method: 'PATCH', url: '/todo/42' })
  t.equal(patched.statusCode, 405)
  t.equal(patched.headers.allow, 'DELETE, GET, HEAD, PUT')
  t.same(patched.json(), { statusCode: 405, error: 'Method Not Allowed', message: 'PATCH is not allowed on /todo/42; allowed: DELETE, GET, HEAD, PUT', code: 'method_not_allowed' })

  const deleted = await app.inject({ method: 'DELETE', url: '/login' })
  t.equal(deleted.statusCode, 405)
  t.equal(deleted.headers.allow, 'POST')
  t.match(deleted.json(), { code: 'method_not_allowed' })

  const unknown = await app.inject({ method: 'GET', url: '/nowhere' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { statusCode: 404, code: 'not_found' })
  t.notOk('allow' in unknown.headers)
})

test('the OpenAPI description documents bad_request and method_not_allowed', async (t) => {
  const app = await build(t)
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.match(document.info.description, /400 `bad_request`/)
  t.match(document.info.description, /405 `method_not_allowed`.*`Allow`/)
  t.ok(document.components.schemas.ErrorCode.enum.includes('bad_request') && document.components.schemas.ErrorCode.enum.includes('method_not_allowed'))
})
