// Graceful shutdown's first step: from drain.start() on, /ready answers 503 so the load balancer stops sending
// traffic, and every answer says Connection: close so that clients open new connections elsewhere. Requests are
// still served meanwhile; server.ts waits SHUTDOWN_DRAIN_MS, then closes the server.
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    drain: {
      readonly active: boolean
      start: () => void
    }
  }
}

export default fp(async function drain (fastify) {
  let active = false
  fastify.decorate('drain', {
    get active () { return active },
    start () { active = true }
  })
  // A keep-alive connection is closed by the server right after an answer, never while a request may be on its way.
  // onSend, so that every answer says so, also those refused before any route hook ran (a 429 from the rate limit):
  // a client kept on its connection by one would have it reset when the server closes (test/plugins/drain.test.ts).
  fastify.addHook('onSend', function closeAfterAnswer (_request, reply, payload, done) {
    if (active) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'drain' })
