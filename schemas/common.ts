// Schema pieces every resource shares: the error body and the per-status error responses.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox'
import { ERROR_CODE_NAMES, ERROR_CODES, ErrorCodeSchema, type ErrorCodeName, type ErrorCodeStatus } from './error-codes.js'

// Named ApiError, not Error: a generated TypeScript client would otherwise shadow the language's own Error.
export const ErrorSchema = Type.Object({
  statusCode: Type.Integer({ minimum: 400, maximum: 599, examples: [400] }),
  error: Type.String({ examples: ['Bad Request'] }),
  message: Type.String({ examples: ['body must have required property \'title\''] }),
  code: Type.Ref(ErrorCodeSchema)
}, { $id: 'ApiError', additionalProperties: false, description: 'Error body: Fastify\'s shape plus a stable code' })

// Every route may send these, when its traits allow (lib/openapi/openapi-conventions.ts drops 413/415 where no body is read,
// 429 where nothing is rate limited): bad input, an oversized or non-JSON body, the rate limit, a failure, the database
// away or load shed, the database's disk full.
const ALWAYS_POSSIBLE = ['validation_error', 'payload_too_large', 'unsupported_media_type', 'rate_limited', 'internal_error', 'service_unavailable', 'insufficient_storage'] as const
type AlwaysPossibleStatus = ErrorCodeStatus<typeof ALWAYS_POSSIBLE[number]>

// One error status of an operation: the ApiError body, and (x-error-codes) exactly the codes it sends with that status,
// which the OpenAPI document turns into an enum with an example each.
export function errorResponse (codes: readonly ErrorCodeName[]): TSchema {
  const description = codes.map((code) => `${code}: ${ERROR_CODES[code].meaning}`).join('; ')
  return Type.Ref(ErrorSchema, { description, 'x-error-codes': [...codes] })
}

// A route's error answers from the codes it sends itself (its own list), plus those every route may send.
export function errorResponses<C extends ErrorCodeName> (...codes: C[]): Record<ErrorCodeStatus<C> | AlwaysPossibleStatus, TSchema> {
  const byStatus = new Map<number, ErrorCodeName[]>()
  const listed = new Set<ErrorCodeName>([...codes, ...ALWAYS_POSSIBLE])
  for (const code of ERROR_CODE_NAMES.filter((name) => listed.has(name))) {
    const { status } = ERROR_CODES[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const statuses = [...byStatus.keys()].sort((a, b) => a - b)
  return Object.fromEntries(statuses.map((status) => [status, errorResponse(byStatus.get(status) ?? [])])) as Record<ErrorCodeStatus<C> | AlwaysPossibleStatus, TSchema>
}

// A choice among strings, written as `enum` (not anyOf of consts, which Swagger UI and client generators read as one value).
export function StringEnum<T extends string> (values: readonly T[], options: Record<string, unknown> = {}): TUnsafe<T> {
  return Type.Unsafe<T>(Type.String({ ...options, enum: [...values] }))
}

// U+0000 cannot be stored in PostgreSQL text; every stored or looked-up string refuses it as input.
export const NO_NUL = '^[^\\u0000]*$'

export const UuidSchema = Type.String({ format: 'uuid', examples: ['5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10'] })

export const TimestampSchema = Type.String({ format: 'date-time', examples: ['2026-11-28T12:00:00.000Z'] })

export const NoContentSchema = Type.Null({ description: 'No content' })

// A response with the headers it sets, which @fastify/swagger writes into the OpenAPI document (clients read them).
export function withHeaders<T extends TSchema> (schema: T, headers: Record<string, TSchema>): T {
  return { ...schema, headers }
}

// The Link header of a paginated list at `path`.
export function nextPageLinkHeader (path: string): TSchema {
  return Type.String({
    description: 'RFC 8288 link to the next page (rel="next"), with the same query and a cursor; absent on the last page',
    examples: [`<${path}?limit=20&cursor=WyIyMDI2LTEyLTAxVDA5OjMwOjAwLjAwMFoiLDIxXQ>; rel="next"`]
  })
}
