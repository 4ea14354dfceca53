// Every machine code an error answer can carry (API.md), with its status, what it means and an example message: the
// OpenAPI document lists per operation and status exactly the codes that operation sends, each with its own example.
import { Type, type TUnsafe } from '@sinclair/typebox'

interface ErrorCodeEntry { status: number, meaning: string, example: string }

export const ERROR_CODES = {
  validation_error: { status: 400, meaning: 'The body, query or path breaks its schema', example: 'body must have required property \'title\'' },
  weak_password: { status: 400, meaning: 'The password is too commonly used, or is the username', example: 'This password is too commonly used; choose another' },
  bad_request: { status: 400, meaning: 'Not valid HTTP (a bad request line or header); answered before any route, then the connection closes', example: 'Invalid header name' },
  invalid_credentials: { status: 401, meaning: 'Wrong username or password', example: 'Wrong username or password' },
  invalid_token: { status: 401, meaning: 'No token, or a token that is not valid', example: 'The access token is invalid' },
  token_expired: { status: 401, meaning: 'The token or its session has expired', example: 'The access token has expired' },
  token_revoked: { status: 401, meaning: 'The token\'s session has ended (logout, password change, an admin)', example: 'The session of this access token has ended' },
  refresh_token_reused: { status: 401, meaning: 'A spent refresh token was presented again; its whole session has ended', example: 'This refresh token was already used; the session has been ended' },
  forbidden: { status: 403, meaning: 'Authenticated but not allowed', example: 'This needs the users:manage permission' },
  account_disabled: { status: 403, meaning: 'The account is disabled', example: 'This account is disabled' },
  own_account: { status: 403, meaning: 'Admins cannot demote, disable or delete their own account', example: 'Admins cannot delete their own account; another admin can' },
  not_found: { status: 404, meaning: 'No such resource, or one the caller may not see', example: 'Task 42 not found' },
  method_not_allowed: { status: 405, meaning: 'The path exists but not with this method; Allow lists its methods', example: 'PATCH is not allowed on /todo/{id}; allowed: GET, PUT, DELETE' },
  request_timeout: { status: 408, meaning: 'The body did not arrive in time', example: 'The request body did not arrive in time' },
  username_taken: { status: 409, meaning: 'The username is taken (without regard to case)', example: 'The username "alice" is already taken' },
  idempotency_key_in_progress: { status: 409, meaning: 'The first request with this Idempotency-Key is still running', example: 'A request with this Idempotency-Key is still running; retry later' },
  last_admin: { status: 409, meaning: 'The change would leave no active admin', example: 'This is the last active admin: promote or enable another admin first' },
  precondition_failed: { status: 412, meaning: 'The If-Match no longer names the current task; nothing changed', example: 'Task 42 has changed since the If-Match\'s entity tag; read it again' },
  payload_too_large: { status: 413, meaning: 'The body is larger than the limit', example: 'Request body is too large' },
  unsupported_media_type: { status: 415, meaning: 'The body is not JSON', example: 'Unsupported Media Type: text/plain' },
  idempotency_key_reused: { status: 422, meaning: 'This Idempotency-Key was used with another body', example: 'This Idempotency-Key was already used with another body' },
  rate_limited: { status: 429, meaning: 'Too many requests; Retry-After says when to try again', example: 'Too many requests; retry in 60 s' },
  internal_error: { status: 500, meaning: 'Unexpected failure', example: 'Something went wrong on our side' },
  service_unavailable: { status: 503, meaning: 'A dependency does not answer, or the service sheds load; Retry-After says when to try again', example: 'The database does not answer; try again shortly' },
  insufficient_storage: { status: 507, meaning: 'The database has no space left; Retry-After says when to try again', example: 'The database has no space left; try again later' }
} as const satisfies Record<string, ErrorCodeEntry>

export type ErrorCodeName = keyof typeof ERROR_CODES
export type ErrorCodeStatus<C extends ErrorCodeName> = (typeof ERROR_CODES)[C]['status']

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCodeName[]

// A named enum, so generated clients type ApiError.code as a union they can switch over exhaustively.
export const ErrorCodeSchema: TUnsafe<ErrorCodeName> = Type.Unsafe<ErrorCodeName>(Type.String({
  $id: 'ErrorCode',
  enum: ERROR_CODE_NAMES,
  description: 'Stable machine-readable error code; each operation lists, per status, the ones it sends'
}))

// What a route with a token refuses: a token that is missing, bad, expired or revoked, or its account disabled.
export const TOKEN_REFUSALS = ['invalid_token', 'token_expired', 'token_revoked', 'account_disabled'] as const satisfies readonly ErrorCodeName[]
