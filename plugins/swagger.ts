// The OpenAPI 3.1 document at /docs/json, built from the route schemas, and Swagger UI at /docs.
// `npm run openapi` writes the same document to openapi.json, which generated clients are built from.
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifySchema, RouteOptions } from 'fastify'
import { conventionalResponses, finishDocument, referToComponent } from '../lib/openapi/openapi-conventions.js'
import { documentedPath } from '../lib/openapi/route-path.js'
import type { Permission } from '../schemas/roles.js'

type Hooks = RouteOptions['onRequest'] | RouteOptions['preHandler']

// The permissions a route's gates (requirePermission, requireAdmin) demand, read from the hooks themselves.
function requiredPermissions (route: RouteOptions): Permission[] {
  const hooks = [route.onRequest, route.preHandler].flatMap((hook: Hooks) => hook === undefined ? [] : [hook].flat())
  return hooks.flatMap((hook) => {
    const permission = (hook as { permission?: Permission }).permission
    return permission === undefined ? [] : [permission]
  })
}

// A success response without a description of its own is described by its reason phrase ("Created"), not "Default Response".
function describeResponses (responses: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(responses).map(([status, response]) => {
    if (response.description !== undefined || response['x-response-description'] !== undefined) return [status, response]
    // A $ref's own description describes the response; on an inline schema it would describe the body, hence the x- key.
    const key = response.$ref === undefined ? 'x-response-description' : 'description'
    return [status, { ...response, [key]: STATUS_CODES[Number(status)] ?? 'Success' }]
  }))
}

// Conventions every operation follows, applied in one place: the path as API.md writes it, an operationId from the
// handler's name, `security: []` on public routes, named bodies, described responses with the headers and statuses
// the shared plugins give them (lib/openapi/openapi-conventions.ts), and the permission an admin route needs.
function documentRoute ({ schema, url, route }: { schema: FastifySchema, url: string, route: RouteOptions }) {
  const documented: Record<string, unknown> = { ...schema }
  const path = documentedPath(url)
  documented.operationId ??= route.handler.name
  documented.security ??= []
  if (schema.body !== undefined) documented.body = referToComponent(schema.body as Record<string, unknown>)
  const traits = {
    rateLimited: (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false,
    takesBody: schema.body !== undefined,
    authenticated: JSON.stringify(documented.security).includes('bearerAuth')
  }
  if (schema.response !== undefined) {
    documented.response = describeResponses(conventionalResponses(schema.response as Record<string, Record<string, unknown>>, traits))
  }
  const permissions = requiredPermissions(route)
  if (permissions.length > 0) {
    documented['x-required-permissions'] = permissions
    const needs = `Needs the ${permissions.map((permission) => `\`${permission}\``).join(' and ')} permission (the admin role); others get 403 forbidden.`
    documented.description = typeof schema.description === 'string' ? `${schema.description}\n\n${needs}` : needs
  }
  return { schema: documented, url: path }
}

// x-internal: false says the API is meant for outside callers (OWASP API9, inventory).
const THIS_SERVER = { url: '/', description: 'The instance that serves this document (production, staging or local)', 'x-internal': false }

export default fp(async function openapi (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Todo auth service',
        description: 'Registration, JWT login with refresh tokens, roles, and a todo API whose rules depend on who asks.\n\n' +
          'Security per operation: `security: []` needs no token; `[{}, {bearerAuth: []}]` takes an optional one; ' +
          '`[{bearerAuth: []}]` needs one; `x-required-permissions` names what an admin route needs beyond a token.\n\n' +
          'Errors: every error body is an `ApiError` whose `code` (the `ErrorCode` enum) each operation lists per status. ' +
          'Answers no operation gives, with the same body: a request that is not valid HTTP (a bad request line or header name) ' +
          'gets 400 `bad_request` (431 when its headers are too large, 408 `request_timeout` when it does not arrive in time) and ' +
          'the connection closes; a path below asked with a method it does not have gets 405 `method_not_allowed` with `Allow` ' +
          'listing its methods; any other path 404 `not_found`.',
        version: '0.1.0',
        contact: { name: 'The maintainers of this service (README.md says how to report a problem)' }
      },
      servers: [THIS_SERVER],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from POST /login or POST /refresh: a JWT following RFC8725 (explicit typ at+jwt, algorithm pinned, keys looked up by kid)' }
        }
      },
      tags: [
        { name: 'auth', description: 'Registration, login, tokens and the profile' },
        { name: 'todo', description: 'Tasks' },
        { name: 'users', description: 'Administration of users (admins)' },
        { name: 'operations', description: 'Health, readiness and metrics' }
      ]
    },
    transform: documentRoute,
    transformObject: (built) => 'openapiObject' in built ? finishDocument(built.openapiObject) : built.swaggerObject,
    refResolver: {
      buildLocalReference (json, _baseUri, _fragment, index) {
        return typeof json.$id === 'string' ? json.$id : `def-${index}`
      }
    }
  })
  // staticCSP: the UI's own Content-Security-Policy, replacing the API's "load nothing" one on its pages. Swagger UI
  // sets style attributes as it renders, which hashes cannot allow: inline styles (never scripts) on /docs only.
  await fastify.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/style-src [^;]*/, 'style-src \'self\' \'unsafe-inline\'')
  })
}, { name: 'swagger', dependencies: ['shared-schemas'] })
