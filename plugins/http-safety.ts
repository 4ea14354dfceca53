// Response headers for a JSON API (helmet's), CORS only for the configured origins, and load shedding:
// 503 while the event loop lags, instead of queueing requests without bound.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import underPressure from '@fastify/under-pressure'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ShedError } from '../lib/api-error.js'
import { helmetHeaders } from '../lib/helmet-headers.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    // Liveness and readiness must answer while the rest is shed: /health says the process lives, /ready says why not.
    neverShed?: boolean
  }
}

export const SHED_RETRY_AFTER_SECONDS = 5

export default fp(async function httpSafety (fastify) {
  const { corsOrigins, maxEventLoopDelayMs } = fastify.config

  // An API answers JSON only, so its responses may load nothing and be framed by nobody; Swagger UI sets its own policy.
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' }
  })
  fastify.addHook('onRequest', function addSecurityHeaders (_request, reply, done) {
    reply.headers(securityHeaders)
    done()
  })

  if (corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['link', 'location', 'retry-after', 'x-request-id'],
      maxAge: 600
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
