// Schema pieces every resource shares: the error body and the per-status error responses.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox'

// Named ApiError, not Error: a generated TypeScript client would otherwise shadow the language's own Error.
export const ErrorSchema = Type.Object({
  statusCode: Type.Integer({ examples: [400] }),
  error: Type.String({ examples: ['Bad Request'] }),
  message: Type.String({ examples: ['body must have required property \'title\''] }),
  code: Type.String({ description: 'Stable machine-readable error code', examples: ['validation_error'] })
}, { $id: 'ApiError', additionalProperties: false, description: 'Error body: Fastify\'s shape plus a stable code' })

const ERROR_DESCRIPTIONS = {
  400: 'The body, query or path breaks its schema (validation_error)',
  401: 'No token, or a token that was refused (invalid_token, token_expired, token_revoked, invalid_credentials)',
  403: 'Authenticated but not allowed (forbidden, account_disabled)',
  404: 'No such resource, or one the caller may not see (not_found)',
  409: 'Conflicts with existing data (username_taken), or the first request with this Idempotency-Key is still running (idempotency_key_in_progress)',
  412: 'The If-Match no longer names the current task (precondition_failed); nothing changed',
  413: 'Body larger than the limit (payload_too_large)',
  415: 'Body is not JSON (unsupported_media_type)',
  422: 'This Idempotency-Key was used with another body (idempotency_key_reused)',
  429: 'Too many requests (rate_limited)',
  503: 'The database does not answer (service_unavailable); Retry-After says when to try again'
} as const

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS

type AlwaysPossible = 400 | 429 | 500 | 503 | 507

// Every route may answer 400 (input), 429 (global rate limit), 500, 503 (database away, load shed) and 507 (the
// database's disk is full); callers list the rest.
export function errorResponses<S extends ErrorStatus> (...statuses: S[]): Record<S | AlwaysPossible, TSchema> {
  const responses: Record<number, TSchema> = {}
  for (const status of [400, ...statuses, 429, 503] as ErrorStatus[]) {
    responses[status] = Type.Ref(ErrorSchema, { description: ERROR_DESCRIPTIONS[status] })
  }
  responses[500] = Type.Ref(ErrorSchema, { description: 'Unexpected failure (internal_error)' })
  responses[507] = Type.Ref(ErrorSchema, { description: 'The database has no space left (insufficient_storage); Retry-After says when to try again' })
  return responses as Record<S | AlwaysPossible, TSchema>
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
