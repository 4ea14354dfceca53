// What every operation's answers carry beyond its own schema, written once for the OpenAPI document: the headers the
// shared plugins send (rate limit, authentication challenge, Retry-After), an example body per error status, and no
// status the route cannot give. The contract check in the tests holds the service to the result.
import { STATUS_CODES } from 'node:http'

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

// One example body per error status, so that each reads as what it is (Swagger UI shows it under the status).
const ERROR_EXAMPLES: Record<number, [code: string, message: string]> = {
  400: ['validation_error', 'body must have required property \'title\''],
  401: ['invalid_token', 'The access token is invalid or has expired'],
  403: ['forbidden', 'You do not have the permission this needs'],
  404: ['not_found', 'Task 42 not found'],
  409: ['username_taken', 'That username is taken'],
  412: ['precondition_failed', 'The task has changed since that ETag'],
  413: ['payload_too_large', 'Request body is too large'],
  415: ['unsupported_media_type', 'Unsupported Media Type: text/plain'],
  422: ['idempotency_key_reused', 'This Idempotency-Key was used with another body'],
  429: ['rate_limited', 'Too many requests; retry in 1 minute'],
  500: ['internal_error', 'Something went wrong on our side'],
  503: ['service_unavailable', 'The database does not answer; try again shortly'],
  507: ['insufficient_storage', 'The database has no space left']
}

export function errorExample (status: number): Schema | undefined {
  const example = ERROR_EXAMPLES[status]
  if (example === undefined) return undefined
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: example[1], code: example[0] }
}

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

export function conventionalResponses (responses: Record<string, Schema>, traits: RouteTraits): Record<string, Schema> {
  const documented: Record<string, Schema> = {}
  for (const [status, declared] of Object.entries(responses)) {
    const code = Number(status)
    if (impossible(code, traits)) continue
    const response = referToComponent(declared)
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
interface Response { headers?: Record<string, unknown>, content?: Record<string, Media> }
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

// The finished document (@fastify/swagger's transformObject): shared headers by reference, an example body under
// every error status, which a $ref'd schema cannot carry beside it, and no example Swagger UI would pre-fill.
export function finishDocument<T> (openapiObject: T): T {
  const document = openapiObject as Document
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      for (const parameter of operation.parameters ?? []) exampleInProse(parameter)
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const header of Object.keys(response.headers ?? {})) {
          const name = SHARED_HEADER_NAMES[header]
          if (name !== undefined && response.headers !== undefined) response.headers[header] = { $ref: `#/components/headers/${name}` }
        }
        const media = response.content?.['application/json']
        const example = errorExample(Number(status))
        if (media !== undefined && example !== undefined && media.example === undefined && media.examples === undefined) media.example = example
      }
    }
  }
  document.components = { ...document.components, headers: sharedHeaderComponents() }
  return openapiObject
}
