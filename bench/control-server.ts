// The control for scenario 1: a bare Fastify server that answers GET /todo with the very bytes the service
// answered for a page of 20 tasks, without authentication, database or serialization.
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const body = readFileSync(process.env.BODY_FILE ?? '')
const contentType = process.env.CONTENT_TYPE ?? 'application/json; charset=utf-8'

const server = Fastify({ logger: false })
server.get('/todo', async function replayPage (_request, reply) {
  reply.type(contentType)
  return body
})
await server.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
