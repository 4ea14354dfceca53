// What every operation's answers carry beyond its own schema, written once for the OpenAPI document: the headers the
// shared plugins send (rate limit, authentication challenge, Retry-After), per error status the codes the operation
// sends (an enum) with an example body each, and no status the route cannot give. The contract check in the tests holds the service to the result.
import { STATUS_CODES } from 'node:http'
import type { ErrorCode } from '../api-error.js'
import { ERROR_CODES, type ErrorCodeName } from '../../schemas/error-codes.js'
import { OPERATION_LINKS } from './openapi-links.js'

type Schema = Record<string, unknown>

const seconds = (description: string, example: number): Schema => ({ type: 'integer', minimum: 0, description, examples: [example] })

// @fastify/rate-limit with enableDraftSpec: the IETF RateLimit fields on every answer of a rate-limited route.
export const RATE_LIMIT_HEADERS: Record<string, Schema> = {
  'ratelimit-limit': { type: 'integer', minimum: 0, description: 'Requests a client may make in the window (IETF draft RateLimit fields)', examples: [100] },
  'ratelimit-remaining': { type: 'integer', minimum: 0, description: 'Requests left in the current window', examples: [99] },
  'ratelimit-reset': seconds('Seconds until the window resets', 60)
}

const RETRY_AFTER = seconds('Seconds to wait before trying again', 30)

// An authenticated answer is revalidated every time and never kept by a shared cache; token answers are never stored.
export const CACHE_CONTROL: Schema = { type: 'string', description: 'How a cache may keep the answer (RFC 9111): private, no-cache when a token was sent; no-store for tokens', examples: ['private, no-cache'] }

// Headers an answer carries by its status alone, whichever route gave it.
export const STATUS_HEADERS: Record<number, Record<string, Schema>> = {
  401: { 'www-authenticate': { type: 'string', description: 'RFC 6750 challenge; error="invalid_token" when a token was sent but refused', examples: ['Bearer realm="todo", error="invalid_token"'] } },
  429: { 'retry-after': RETRY_AFTER },
  503: { 'retry-after': RETRY_AFTER },
  507: { 'retry-after': RETRY_AFTER }
}

// The example body of one error code, as the service sends it.
export function errorExample (code: ErrorCodeName): Schema {
  const { status, example } = ERROR_CODES[code]
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: example, code }
}

// Every ErrorCode the code throws (lib/api-error.ts) has an entry in the table the document is built from.
export const DOCUMENTED_ERROR_CODES: Record<ErrorCode, unknown> = ERROR_CODES

export interface RouteTraits {
  rateLimited: boolean
  takesBody: boolean
  authenticated: boolean
}

// A route that is never rate limited cannot answer 429; one without a body refuses any body before reading it
// (plugins/strict-input.ts), so it cannot answer 413 or 415.
function impossible (status: number, traits: RouteTraits): boolean {
  return (status === 429 && !traits.rateLimited) || ((status === 413 || status === 415) && !traits.takesBody)
}

// A schema with an $id is a named component: referred to, not copied inline.
export function referToComponent (schema: Schema): Schema {
  if (typeof schema.$id !== 'string') return schema
  const { $id, description, headers } = schema
  return { $ref: $id, ...(description === undefined ? {} : { description }), ...(headers === undefined ? {} : { headers }) }
}

// An error status documents the ApiError body with its code narrowed to the codes this operation sends there (so a
// generated client gets that union), and keeps the list (x-error-codes) for the examples finishDocument writes.
function narrowedError (declared: Schema): Schema | undefined {
  const codes = declared['x-error-codes']
  if (!Array.isArray(codes)) return undefined
  const { description, headers } = declared
  return {
    ...(description === undefined ? {} : { description }),
    ...(headers === undefined ? {} : { headers }),
    allOf: [{ $ref: 'ApiError' }, { required: ['code'], properties: { code: { type: 'string', enum: codes } }, 'x-error-codes': codes }]
  }
}

export function conventionalResponses (responses: Record<string, Schema>, traits: RouteTraits): Record<string, Schema> {
  const documented: Record<string, Schema> = {}
  for (const [status, declared] of Object.entries(responses)) {
    const code = Number(status)
    if (impossible(code, traits)) continue
    const response = narrowedError(declared) ?? referToComponent(declared)
    const headers = {
      ...(traits.rateLimited ? RATE_LIMIT_HEADERS : {}),
      ...(traits.authenticated ? { 'cache-control': CACHE_CONTROL } : {}),
      ...STATUS_HEADERS[code],
      ...(response.headers as Schema | undefined)
    }
    documented[status] = Object.keys(headers).length > 0 ? { ...response, headers } : response
  }
  return documented
}

// The shared headers, declared once under components.headers and referred to by every answer that carries them.
const SHARED_HEADER_NAMES: Record<string, string> = {
  'ratelimit-limit': 'RateLimit-Limit',
  'ratelimit-remaining': 'RateLimit-Remaining',
  'ratelimit-reset': 'RateLimit-Reset',
  'retry-after': 'Retry-After',
  'www-authenticate': 'WWW-Authenticate',
  'cache-control': 'Cache-Control'
}

function sharedHeaderComponents (): Record<string, Schema> {
  const schemas: Record<string, Schema> = { ...RATE_LIMIT_HEADERS, ...STATUS_HEADERS[401], ...STATUS_HEADERS[429], 'cache-control': CACHE_CONTROL }
  return Object.fromEntries(Object.entries(SHARED_HEADER_NAMES).map(([header, name]) => {
    const { description, ...schema } = schemas[header] as Schema
    return [name, { description, schema }]
  }))
}

interface Media { schema?: unknown, example?: unknown, examples?: unknown }
interface Response { headers?: Record<string, unknown>, content?: Record<string, Media>, links?: unknown }
interface Parameter { required?: boolean, description?: string, example?: unknown, examples?: unknown }
interface Operation { parameters?: Parameter[], responses?: Record<string, Response> }
interface Document { paths: Record<string, Record<string, Operation>>, components?: Record<string, unknown> }

// Swagger UI's Try it out fills a parameter with its example: an optional header such as If-Match or Idempotency-Key
// would then be sent on every Execute (412, or a replayed task). Their example is written in the description instead.
function exampleInProse (parameter: Parameter): void {
  if (parameter.required === true || parameter.example === undefined) return
  const example = `Example: \`${String(parameter.example)}\``
  parameter.description = parameter.description === undefined ? example : `${parameter.description}. ${example}`
  delete parameter.example
}

// One named example per code the status lists (Swagger UI offers them in a menu), and the x-error-codes marker removed.
function documentErrorCodes (media: Media): void {
  const schema = media.schema as { allOf?: Schema[], description?: string } | undefined
  const narrowing = schema?.allOf?.[1]
  const codes = narrowing?.['x-error-codes']
  if (schema === undefined || narrowing === undefined || !Array.isArray(codes)) return
  delete narrowing['x-error-codes']
  // The response's own description says it already; on the schema it would read as the body's.
  delete schema.description
  media.examples = Object.fromEntries((codes as ErrorCodeName[]).map((code) => [code, { summary: ERROR_CODES[code].meaning, value: errorExample(code) }]))
}

// The finished document (@fastify/swagger's transformObject): shared headers by reference, an example body under
// every error status, which a $ref'd schema cannot carry beside it, no example Swagger UI would pre-fill, and links.
export function finishDocument<T> (openapiObject: T): T {
  const document = openapiObject as Document
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      for (const parameter of operation.parameters ?? []) exampleInProse(parameter)
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const links = OPERATION_LINKS[path]?.[method]?.[status]
        if (links !== undefined) response.links = links
        for (const header of Object.keys(response.headers ?? {})) {
          const name = SHARED_HEADER_NAMES[header]
          if (name !== undefined && response.headers !== undefined) response.headers[header] = { $ref: `#/components/headers/${name}` }
        }
        const media = response.content?.['application/json']
        if (media !== undefined && Number(status) >= 400) documentErrorCodes(media)
      }
    }
  }
  document.components = { ...document.components, headers: sharedHeaderComponents() }
  return openapiObject
}
