// The database goes away under a running app: 503s (never hangs or 500s), /ready says so, and it recovers by itself.
import { connect, createServer, type Socket } from 'node:net'
import { test } from 'tap'
import { build, freshDatabaseUrl, loggedInUser, onPostgres } from '../helper.js'

// A TCP relay to PostgreSQL that the test can cut and restore, like a network partition.
async function relayTo (host: string, port: number) {
  const sockets = new Set<Socket>()
  let cut = false
  const cutAll = () => { cut = true; for (const socket of sockets) socket.destroy() }
  const server = createServer((client) => {
    if (cut) return client.destroy()
    const upstream = connect(port, host)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {})
      socket.on('close', () => { sockets.delete(socket); client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    cut: cutAll,
    restore () { cut = false },
    close: () => new Promise<void>((resolve) => { cutAll(); server.close(() => resolve()) })
  }
}

test('PostgreSQL outage: /ready and data routes answer 503, then recover without a restart', { skip: onPostgres ? false : 'runs in the PostgreSQL pass of npm test' }, async (t) => {
  const direct = new URL(await freshDatabaseUrl(t))
  const relay = await relayTo(direct.hostname, Number(direct.port || 5432))
  t.teardown(relay.close)
  const throughRelay = new URL(direct)
  throughRelay.hostname = '127.0.0.1'
  throughRelay.port = String(relay.port)

  const app = await build(t, { databaseUrl: throughRelay.toString() })
  const user = await loggedInUser(app)
  const created = await app.inject({ method: 'POST', url: '/todo', headers: user.auth, payload: { title: 'before the outage' } })
  t.equal(created.statusCode, 201)

  relay.cut()
  const ready = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(ready.statusCode, 503)
  t.same(ready.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer', code: 'service_unavailable' })

  for (const request of [
    { method: 'GET' as const, url: '/todo', headers: user.auth },
    { method: 'GET' as const, url: '/todo' },
    { method: 'POST' as const, url: '/todo', headers: user.auth, payload: { title: 'during the outage' } },
    { method: 'POST' as const, url: '/login', payload: { username: user.username, password: user.password } }
  ]) {
    const response = await app.inject(request)
    t.equal(response.statusCode, 503, `${request.method} ${request.url}`)
    t.same(response.json(), { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer; try again shortly', code: 'service_unavailable' })
    t.equal(response.headers['retry-after'], '5')
  }
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'liveness does not depend on the database')

  relay.restore()
  const recovered = await app.inject({ method: 'GET', url: '/ready' })
  t.equal(recovered.statusCode, 200)
  t.same(recovered.json(), { status: 'ok' })
  const list = await app.inject({ method: 'GET', url: '/todo', headers: user.auth })
  t.equal(list.statusCode, 200)
  t.same(list.json().map((task: { title: string }) => task.title), ['before the outage'], 'nothing written during the outage, nothing lost before it')
})
