// One error handler gives every failure API.md's shape and code; 5xx are logged and never leak details.
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, ShedError, type ErrorCode } from '../lib/api-error.js'
import { isDependencyUnavailable, isStorageFull } from '../lib/database/database-errors.js'

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_error',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  409: 'username_taken',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable'
}

interface ErrorBody {
  statusCode: number
  error: string
  message: string
  code: string
}

// Names the offending property, which ajv's own message for additionalProperties leaves out.
function validationMessage (error: FastifyError): string {
  const first = error.validation?.[0]
  const unknownProperty = first?.keyword === 'additionalProperties' ? first.params.additionalProperty : undefined
  if (typeof unknownProperty !== 'string') return error.message
  return `${error.validationContext ?? 'body'}${first?.instancePath ?? ''} must not have the property "${unknownProperty}"`
}

function describe (error: FastifyError | ApiError): ErrorBody {
  if (error instanceof ApiError) {
    return { statusCode: error.statusCode, error: STATUS_CODES[error.statusCode] ?? 'Error', message: error.message, code: error.code }
  }
  if (isDependencyUnavailable(error)) {
    return { statusCode: 503, error: 'Service Unavailable', message: 'The database does not answer; try again shortly', code: 'service_unavailable' }
  }
  if (isStorageFull(error)) {
    return { statusCode: 507, error: 'Insufficient Storage', message: 'The database has no space left; try again later', code: 'insufficient_storage' }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation !== undefined) {
    return { statusCode: 400, error: 'Bad Request', message: validationMessage(fastifyError), code: 'validation_error' }
  }
  const statusCode = fastifyError.statusCode ?? 500
  if ((statusCode >= 500 && statusCode !== 503) || statusCode < 400) {
    return { statusCode: 500, error: 'Internal Server Error', message: 'Something went wrong on our side', code: 'internal_error' }
  }
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: fastifyError.message, code: CODE_BY_STATUS[statusCode] ?? 'validation_error' }
}

// A route's URL (/todo/:id, /docs/*) as a pattern for a request path: a parameter is one non-empty segment.
function routePattern (url: string): RegExp {
  const source = url.split(/(:[A-Za-z0-9_]+|\*)/).map((part) => {
    if (part === '*') return '.*'
    if (part.startsWith(':')) return '[^/]+'
    return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  }).join('')
  return new RegExp(`^${source}$`)
}

declare module 'fastify' {
  interface FastifyReply {
    // The machine code of an error answer (null on success), for hooks that count outcomes, such as metrics.
    errorCode: string | null
  }
}

export function sendError (request: FastifyRequest, reply: FastifyReply, body: ErrorBody): FastifyReply {
  reply.errorCode = body.code
  if (body.statusCode === 401) {
    // RFC 6750: a refused token gets error="invalid_token"; no token, or a wrong password, the bare challenge.
    const tokenWasRefused = request.headers.authorization !== undefined && body.code !== 'invalid_credentials'
    reply.header('www-authenticate', tokenWasRefused ? 'Bearer realm="todo", error="invalid_token"' : 'Bearer realm="todo"')
  }
  return reply.code(body.statusCode).send(body)
}

export default fp(async function errors (fastify) {
  fastify.decorateReply('errorCode', null)
  fastify.setErrorHandler(function handleError (error: FastifyError | ApiError, request, reply) {
    const body = describe(error)
    if (body.statusCode === 503 || body.statusCode === 507) reply.header('retry-after', '5')
    if (body.statusCode >= 500 && !(error instanceof ShedError)) request.log.error({ err: error }, 'request failed')
    return sendError(request, reply, body)
  })

  // Every route's path as a pattern, and its methods: a known path asked with a method it does not have answers 405.
  const methodsByPath = new Map<string, { pattern: RegExp, methods: Set<string> }>()
  fastify.addHook('onRoute', function rememberMethods (route) {
    // The catch-all routes (CORS preflights on '*') would make every path known.
    if (route.url === '*' || route.url === '/*') return
    const entry = methodsByPath.get(route.url) ?? { pattern: routePattern(route.url), methods: new Set<string>() }
    for (const method of [route.method].flat()) entry.methods.add(method)
    methodsByPath.set(route.url, entry)
  })

  function allowedMethods (path: string): string[] {
    const allowed = new Set<string>()
    for (const { pattern, methods } of methodsByPath.values()) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method)
    }
    return [...allowed].sort()
  }

  fastify.setNotFoundHandler(function handleUnknownRoute (request, reply) {
    const path = request.url.split('?')[0] ?? '/'
    const allowed = allowedMethods(path)
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '))
      return sendError(request, reply, { statusCode: 405, error: 'Method Not Allowed', message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, code: 'method_not_allowed' })
    }
    return sendError(request, reply, { statusCode: 404, error: 'Not Found', message: `Route ${request.method} ${path} not found`, code: 'not_found' })
  })
}, { name: 'errors' })
