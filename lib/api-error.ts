// Errors whose machine code is not the default for their status (plain 403/404 come from @fastify/sensible).
export type ErrorCode =
  | 'validation_error' | 'invalid_credentials' | 'invalid_token' | 'token_expired' | 'token_revoked'
  | 'refresh_token_reused' | 'forbidden' | 'not_found' | 'username_taken' | 'weak_password'
  | 'account_disabled' | 'rate_limited' | 'payload_too_large' | 'unsupported_media_type'
  | 'service_unavailable' | 'internal_error'
  // 408 when a body did not arrive within its bound (lib/http/body-deadline.ts).
  | 'request_timeout'
  // 507 when the database's disk is full.
  | 'insufficient_storage'
  // Administration: 409 when a change would leave no active admin; 403 when an admin demotes, disables or deletes themselves.
  | 'last_admin' | 'own_account'
  // Conditional requests and safe retries (API.md, HTTP semantics).
  | 'precondition_failed' | 'idempotency_key_reused' | 'idempotency_key_in_progress'

export class ApiError extends Error {
  constructor (readonly statusCode: number, readonly code: ErrorCode, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

// A 503 refused on purpose to keep the service responsive (load shed, shutting down): counted, and logged at most
// once a second, by the load-shed plugin rather than a line per request.
export class ShedError extends ApiError {
  constructor (message: string) {
    super(503, 'service_unavailable', message)
    this.name = 'ShedError'
  }
}
