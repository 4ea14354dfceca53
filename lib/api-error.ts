// Errors whose machine code is not the default for their status (plain 403/404 come from @fastify/sensible).
export type ErrorCode =
  | 'validation_error' | 'invalid_credentials' | 'invalid_token' | 'token_expired' | 'token_revoked'
  | 'refresh_token_reused' | 'forbidden' | 'not_found' | 'username_taken' | 'weak_password'
  | 'account_disabled' | 'rate_limited' | 'payload_too_large' | 'unsupported_media_type'
  | 'service_unavailable' | 'internal_error'
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
