// Response headers for a JSON API (helmet's), CORS only for the configured origins, and load shedding:
// 503 while the event loop lags, instead of queueing requests without bound.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ShedError } from '../lib/api-error.js'
import { API_SECURITY_HEADERS } from '../lib/http/helmet-headers.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    // Liveness and readiness must answer while the rest is shed: /health says the process lives, /ready says why not.
    neverShed?: boolean
  }
}

export const SHED_RETRY_AFTER_SECONDS = 5

// API.md: what browsers on CORS_ORIGINS may send (conditional requests and safe retries included) and read.
export const CORS_REQUEST_HEADERS = ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id']
export const CORS_EXPOSED_HEADERS = ['etag', 'link', 'location', 'retry-after', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']

export default fp(async function httpSafety (fastify) {
  const { corsOrigins, maxEventLoopDelayMs } = fastify.config

  // onSend, so that every answer has them, also those refused before any route hook ran (a 429 from the rate limit);
  // Swagger UI's own onSend, in its scope, runs after this one and puts its policy in place on /docs.
  fastify.addHook('onSend', function addSecurityHeaders (_request, reply, payload, done) {
    reply.headers(API_SECURITY_HEADERS)
    done(null, payload)
  })

  if (corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_REQUEST_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600
    })
    // Answers refused before the CORS hook ran (a 429 from the rate limit, whose hook comes first) get its headers here,
    // so a browser app can read the refusal and its Retry-After instead of seeing a network error.
    const allowed = new Set(corsOrigins)
    fastify.addHook('onSend', function corsOnRefusals (request, reply, payload, done) {
      const origin = request.headers.origin
      if (typeof origin === 'string' && allowed.has(origin) && !reply.hasHeader('access-control-allow-origin')) {
        reply.header('access-control-allow-origin', origin)
        reply.header('access-control-expose-headers', CORS_EXPOSED_HEADERS.join(', '))
        const vary = reply.getHeader('vary')
        if (vary === undefined || !String(vary).toLowerCase().includes('origin')) reply.header('vary', vary === undefined ? 'Origin' : `${String(vary)}, Origin`)
      }
      done(null, payload)
    })
  }

  if (maxEventLoopDelayMs > 0) {
    await fastify.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      retryAfter: SHED_RETRY_AFTER_SECONDS,
      // Counted and logged once a second by load-shed, answered in the API's error shape by the error handler.
      pressureHandler: async function shed (request: FastifyRequest, reply: FastifyReply) {
        if (request.routeOptions.config.neverShed === true) return
        fastify.loadShed.record('event_loop')
        reply.header('retry-after', String(SHED_RETRY_AFTER_SECONDS))
        throw new ShedError('The service is overloaded; try again shortly')
      }
    })
  }
// After rate-limit, whose hook must be the first to see every request.
}, { name: 'http-safety', dependencies: ['config', 'rate-limit', 'load-shed'] })
