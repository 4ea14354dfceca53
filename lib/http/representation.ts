// Sends a read's bytes with their entity tag, or 304 without them when the client's If-None-Match already holds them.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { noneMatchFails } from './entity-tags.js'

export function sendRepresentation (request: FastifyRequest, reply: FastifyReply, body: string | Buffer, etag: string): FastifyReply {
  reply.header('etag', etag)
  if (noneMatchFails(request.headers['if-none-match'], etag)) return reply.code(304).send()
  // Already JSON: Fastify sends a string with a JSON content type, or bytes, as they are.
  return reply.type('application/json; charset=utf-8').send(body)
}

// The bytes the route's response schema makes of `payload` (fast-json-stringify writes text).
export function serialized (reply: FastifyReply, payload: unknown): string {
  return reply.serialize(payload) as string
}
