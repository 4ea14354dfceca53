// The log serializers: errors from outside (Redis commands with their arguments, database errors quoting connection
// strings) and request URLs are logged without their secrets, and so is every message text.
import { Writable } from 'node:stream'
import pino from 'pino'
import { test } from 'tap'
import { LOG_REDACTION, serializeError, serializeRequest } from '../../../lib/redaction/log-redaction.js'

test('a Redis error keeps its command name but not its arguments (AUTH\'s password)', async (t) => {
  const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['redis-secret'] } })
  const serialized = JSON.stringify(serializeError(error))
  t.notMatch(serialized, /redis-secret/)
  t.match(serialized, /"command":\{"name":"auth","args":"\*\*\*"\}/)
  t.match(serialized, /WRONGPASS/, 'the message stays')
})

test('a database error and its cause lose the passwords they quote; secret-named properties are masked', async (t) => {
  const cause = Object.assign(new Error('connect to postgres://app:pg-secret@db/app failed'), { connectionString: 'postgres://app:pg-secret@db/app', password: 'pg-secret', code: 'ECONNREFUSED' })
  const error = new Error('Cannot use the database at postgres://app:pg-secret@db/app', { cause })
  const serialized = JSON.stringify(serializeError(error))
  t.notMatch(serialized, /pg-secret/)
  t.match(serialized, /postgres:\/\/app:\*\*\*@db\/app/, 'the URL stays readable')
  t.equal(serializeError('plain text with redis://:secret@cache'), 'plain text with redis://:***@cache')
})

test('a circular error is serialized without looping', async (t) => {
  const error = new Error('loop') as Error & { self?: unknown }
  error.self = error
  t.doesNotThrow(() => JSON.stringify(serializeError(error)))
})

test('the request serializer masks tokens in the URL', async (t) => {
  const logged = serializeRequest({ method: 'GET', url: '/todo?access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', ip: '192.0.2.1', host: 'api', headers: {} })
  t.same(logged, { method: 'GET', url: '/todo?access_token=***', version: undefined, host: 'api', remoteAddress: '192.0.2.1', remotePort: undefined })
})

test('every message text of a logger with LOG_REDACTION is redacted too', async (t) => {
  const lines: string[] = []
  const logger = pino({ ...LOG_REDACTION }, new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } }))
  logger.warn('cannot reach redis://:msg-secret@cache:6379')
  logger.error({ err: Object.assign(new Error('x'), { command: { name: 'auth', args: ['err-secret'] } }) }, 'failed')
  t.equal(lines.length, 2)
  t.notMatch(lines.join(''), /msg-secret|err-secret/)
})
