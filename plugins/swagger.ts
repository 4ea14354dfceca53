// The OpenAPI 3.1 document at /docs/json, built from the route schemas, and Swagger UI at /docs.
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export default fp(async function openapi (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Todo auth service',
        description: 'Registration, JWT login with refresh tokens, roles, and a todo API whose rules depend on who asks.',
        version: '0.1.0'
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }
        }
      },
      tags: [
        { name: 'auth', description: 'Registration, login, tokens and the profile' },
        { name: 'todo', description: 'Tasks' },
        { name: 'operations', description: 'Health and readiness' }
      ]
    },
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, index) {
        return typeof json.$id === 'string' ? json.$id : `def-${index}`
      }
    }
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'swagger', dependencies: ['shared-schemas'] })
