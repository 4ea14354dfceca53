// GET /.well-known/jwks.json: the public keys that verify access tokens (empty with an HS256 secret).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, withHeaders } from '../../schemas/common.js'
import { JwksSchema } from '../../schemas/users.js'

export const autoPrefix = '/.well-known'

const wellKnown: FastifyPluginAsyncTypebox = async function wellKnown (fastify) {
  fastify.get('/jwks.json', {
    schema: {
      summary: 'Public signing keys (JWKS)',
      description: 'The public keys that verify access tokens, by `kid`; empty when the service signs with an HS256 secret. Cacheable for five minutes.',
      tags: ['auth'],
      response: {
        200: withHeaders(Type.Ref(JwksSchema), { 'cache-control': Type.String({ description: 'Caches may keep the keys for five minutes', examples: ['public, max-age=300'] }) }),
        ...errorResponses()
      }
    }
  }, async function publishKeys (_request, reply) {
    reply.header('cache-control', 'public, max-age=300')
    return { keys: await fastify.signingKeys.publicJwks() }
  })
}

export default wellKnown
