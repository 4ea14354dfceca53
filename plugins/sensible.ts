// fastify.httpErrors for the plain 4xx answers (forbidden, notFound) that hooks and handlers throw.
import fp from 'fastify-plugin'
import sensible from '@fastify/sensible'

export default fp(async function httpErrors (fastify) {
  await fastify.register(sensible)
}, { name: 'sensible' })
