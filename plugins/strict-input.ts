// A route takes only the input its schema declares (API.md): a body on a route that declares none, or a query
// parameter a route does not declare, is refused with 400 instead of being silently ignored. Applied to every
// route as it is added, so a new route cannot forget it; the OpenAPI document then says exactly what is accepted.
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import { ApiError } from '../lib/api-error.js'

// A route without a querystring schema takes no query at all.
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false }

// Any framing of a body counts: a length above zero, or chunks.
function carriesBody (request: FastifyRequest): boolean {
  const length = request.headers['content-length']
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined
}

// A callback hook: on every bodyless request, and a promise per request was measurable (npm run bench).
function refuseBody (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (!carriesBody(request)) return done()
  done(new ApiError(400, 'validation_error', `${request.method} ${request.routeOptions.url ?? ''} takes no body`))
}

function declareInput (route: RouteOptions): void {
  // Swagger UI's own pages (hidden from the document) are not API operations.
  if ((route.schema as { hide?: boolean } | undefined)?.hide === true) return
  route.schema = { ...route.schema, querystring: route.schema?.querystring ?? NO_QUERY }
  // After the route's own gates (rate limit, token) and before the body is read, so it cannot answer 413 or 415.
  if (route.schema.body === undefined) route.onRequest = [...[route.onRequest ?? []].flat(), refuseBody]
}

export default fp(async function strictInput (fastify) {
  fastify.addHook('onRoute', declareInput)
}, { name: 'strict-input' })
