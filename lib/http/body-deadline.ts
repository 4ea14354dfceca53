// A request body that must arrive within a bound: past it, 408 request_timeout and the connection closes, so a client
// that trickles its body a byte at a time holds its connection (and whatever waits on the body) for that long at most.
import { PassThrough } from 'node:stream'
import type { preParsingHookHandler } from 'fastify'
import { ApiError } from '../api-error.js'

export function bodyDeadline (timeoutMs: number): preParsingHookHandler {
  return function readBodyInTime (_request, reply, payload, done) {
    const bounded = new PassThrough()
    // Fastify listens for errors while it reads the body; a request answered without reading it (415, 413) has no reader.
    bounded.on('error', () => {})
    const timer = setTimeout(function bodyTooSlow () {
      payload.unpipe(bounded)
      // Fastify's body reader answers a stream error with its status, through the error handler, and closes the connection.
      bounded.destroy(new ApiError(408, 'request_timeout', `The request body did not arrive within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    const stop = (): void => { clearTimeout(timer) }
    bounded.once('end', stop)
    bounded.once('close', stop)
    reply.raw.once('close', stop)
    // A client that aborts ends the read at once, as it does without this hook.
    payload.once('error', (error) => { stop(); bounded.destroy(error) })
    payload.pipe(bounded)
    done(null, bounded)
  }
}
