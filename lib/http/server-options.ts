// Fastify's process-level options, shared by server.ts and the tests so both run the same server.
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions, RawRequestDefaultExpression } from 'fastify'
import type { Config } from '../config.js'
import { API_SECURITY_HEADERS } from './helmet-headers.js'
import { LOG_REDACTION } from '../redaction/log-redaction.js'

export const BODY_LIMIT_BYTES = 1024 * 1024
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

// A caller's X-Request-Id is kept when it is short and plain, so logs can be joined across services.
function requestId (request: RawRequestDefaultExpression): string {
  const header = request.headers['x-request-id']
  return typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : randomUUID()
}

// A hop count: trust that many proxies in front of the service, counted from the nearest.
function trustHops (hops: number) {
  return (_address: string, hop: number): boolean => hop < hops
}

// Answered before routing, so no hook of the app runs: the security headers, X-Request-Id and the drain's Connection: close
// (plugins/drain.ts), are set here.
function refuseBadUrl (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.code(400).type('application/json; charset=utf-8').headers(API_SECURITY_HEADERS).header('x-request-id', request.id)
  if (reply.server.hasDecorator('drain') && reply.server.drain.active) reply.header('connection', 'close')
  reply.send({ statusCode: 400, error: 'Bad Request', message: error.message, code: 'validation_error' })
}

// What Node refuses before Fastify sees a request, as the status, code and message of the API's error body.
function malformedRequestAnswer (error: NodeJS.ErrnoException): [status: number, code: string, message: string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'The request did not arrive in time']
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'bad_request', 'The request headers are too large']
  const reason = (error as { reason?: unknown }).reason
  return [400, 'bad_request', `The request is not valid HTTP${typeof reason === 'string' ? `: ${reason}` : ''}`]
}

// Node's clientError path (a bad request line or header name, headers too large, a request that never arrives): no
// route, no hook and no reply exist, so the answer is written to the socket, in the API's shape, and the connection closes.
export function refuseMalformedRequest (error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [statusCode, code, message] = malformedRequestAnswer(error)
  const reasonPhrase = STATUS_CODES[statusCode] ?? 'Bad Request'
  const body = JSON.stringify({ statusCode, error: reasonPhrase, message, code })
  const headers = {
    ...API_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': randomUUID(),
    connection: 'close'
  }
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  if (socket.writable) socket.end(`HTTP/1.1 ${statusCode} ${reasonPhrase}\r\n${head}\r\n${body}`)
  else socket.destroy()
}

export function serverOptions (config: Config): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      // Secrets in URLs and in the errors of Redis and PostgreSQL (lib/redaction/log-redaction.ts); the paths below, in headers and bodies.
      ...LOG_REDACTION,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body.password', 'req.body.currentPassword', 'req.body.newPassword', 'req.body.refresh_token'],
        censor: '[redacted]'
      }
    },
    genReqId: requestId,
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // Once closed (after the drain), requests still arriving on open connections get 503 and Connection: close,
    // and idle connections are closed between requests, never under one.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Migrations and the first key generation may take a while on a busy machine or a distant database.
    pluginTimeout: 60_000,
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    routerOptions: { maxParamLength: 200 },
    // Paths the router itself refuses (bad percent-encoding, an over-long parameter) get the API's error shape.
    frameworkErrors: refuseBadUrl,
    clientErrorHandler: refuseMalformedRequest
  }
}
