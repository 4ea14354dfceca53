// NIST SP 800-63B: length is checked by the schemas; here, passwords that are trivially guessable.
import { ApiError } from './api-error.js'

export function assertAcceptablePassword (password: string, username: string): void {
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new ApiError(400, 'weak_password', 'The password must not be the username')
  }
}
