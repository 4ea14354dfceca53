// What the logs carry from outside (request URLs, the errors of Redis and PostgreSQL, which may quote a command's
// arguments or a connection string) has its secrets masked here, once, by the serializers and the hook every logger of
// the service uses: a new log line cannot forget it.
import pino, { type LoggerOptions } from 'pino'
import { redactSecrets } from './url-redaction.js'

const MASK = '***'
// Keys whose values are secrets wherever they appear in a logged error; `args` are a Redis command's arguments (AUTH's
// password among them), `config`/`connectionString` a database client's settings.
const SECRET_KEY = /pass|secret|token|authorization|cookie|connectionstring|^args$|^config$/i
const MAX_DEPTH = 6

// A copy with every string passed through redactSecrets and every secret-named value masked; the original is untouched.
export function redactValue (value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value)
  if (value === null || typeof value !== 'object') return value
  if (Buffer.isBuffer(value)) return '[bytes]'
  if (depth >= MAX_DEPTH || seen.has(value)) return '[...]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen))
  const copy: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) copy[key] = SECRET_KEY.test(key) ? MASK : redactValue(inner, depth + 1, seen)
  return copy
}

// pino's error serializer (type, message with causes, stack, own properties), then redacted.
export function serializeError (error: unknown): unknown {
  if (error === null || typeof error !== 'object') return typeof error === 'string' ? redactSecrets(error) : error
  return redactValue(pino.stdSerializers.err(error as Error))
}

interface LoggedRequest {
  method: string
  url: string
  headers?: Record<string, unknown>
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

// Fastify's own request serializer, with the URL's tokens masked (GET /todo?access_token=eyJ... is logged as it arrives).
export function serializeRequest (request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactSecrets(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort
  }
}

// For every logger of the service (Fastify's, the workers' primary): errors under err/error/cause and request URLs are
// redacted, and so is the message text of every line.
export const LOG_REDACTION: Pick<LoggerOptions, 'serializers' | 'hooks'> = {
  serializers: { err: serializeError, error: serializeError, cause: serializeError, req: serializeRequest as (request: unknown) => unknown },
  hooks: {
    logMethod (args, method) {
      method.apply(this, args.map((arg) => typeof arg === 'string' ? redactSecrets(arg) : arg) as Parameters<typeof method>)
    }
  }
}
