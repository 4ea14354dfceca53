// Graceful shutdown, in the order lib/workers/http-process.ts runs it:
// 1. drain.start(): /ready answers 503 so the load balancer stops sending traffic, and every answer says
//    Connection: close so that clients open new connections elsewhere. Requests are still served meanwhile.
// 2. After SHUTDOWN_DRAIN_MS, drain.settle(): new requests are held (not answered yet) until no new connection has
//    arrived for a moment, so that clients which reconnect at once are all waiting on an answer and none is in the
//    listener's queue, where closing the listener would reset it with its request sent.
// 3. The server closes: the listener first, then the held requests are answered (Connection: close); a client that
//    reconnects is refused before it sends anything. Idle connections close between requests, never under one.
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    drain: {
      readonly active: boolean
      start: () => void
      // beforeRelease: run once the listener has closed, before the held requests are answered.
      settle: (beforeRelease?: () => Promise<void>) => Promise<void>
    }
  }
}

// No new connection for this long means the clients that reconnect are all waiting on a held request.
export const SETTLE_QUIET_MS = 250
// Clients that keep opening connections (more of them than requests held) do not hold the close up longer than this.
export const SETTLE_MAX_MS = 2_000

export default fp(async function drain (fastify) {
  let active = false
  let holding = false
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => { release = resolve })
  let lastConnectionAt = 0
  let beforeReleasing: () => Promise<void> = async () => {}
  fastify.server.on('connection', function noteConnection () { lastConnectionAt = Date.now() })

  fastify.decorate('drain', {
    get active () { return active },
    start () { active = true },
    async settle (beforeRelease) {
      active = true
      holding = true
      if (beforeRelease !== undefined) beforeReleasing = beforeRelease
      const deadline = Date.now() + SETTLE_MAX_MS
      while (Date.now() < deadline) {
        const quietFor = Date.now() - lastConnectionAt
        if (quietFor >= SETTLE_QUIET_MS) return
        await sleep(Math.min(SETTLE_QUIET_MS - quietFor, deadline - Date.now()))
      }
    }
  })
  // A callback hook: an async one would cost every request a promise for what only happens at shutdown.
  fastify.addHook('onRequest', function holdWhileSettling (_request, _reply, done) {
    if (holding) released.then(() => done(), done)
    else done()
  })
  // Fastify closes the listener right after its preClose hooks: the held requests are answered once it has.
  fastify.addHook('preClose', function releaseHeldRequests (done) {
    if (holding) setImmediate(() => { beforeReleasing().then(release, release) })
    done()
  })
  // A keep-alive connection is closed by the server right after an answer, never while a request may be on its way.
  // onSend, so that every answer says so, also those refused before any route hook ran (a 429 from the rate limit):
  // a client kept on its connection by one would have it reset when the server closes (test/plugins/drain.test.ts).
  fastify.addHook('onSend', function closeAfterAnswer (_request, reply, payload, done) {
    if (active) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'drain' })
