// Every answer carries X-Request-Id: the caller's own when it was plain enough to keep, else the one made for it
// (lib/http/server-options.ts genReqId), so a client can quote it and an operator find that request's log lines.
import fp from 'fastify-plugin'

export default fp(async function requestId (fastify) {
  // onSend, so that answers refused before any route hook ran (a 429 from the rate limit) carry it too.
  fastify.addHook('onSend', function echoRequestId (request, reply, payload, done) {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })
}, { name: 'request-id' })
