// NIST SP 800-63B: length is checked by the schemas (8 to 128, never truncated); here, passwords that are easy to guess.
import { dictionary } from '@zxcvbn-ts/language-common'
import { ApiError } from './api-error.js'

// zxcvbn-ts's list of commonly used passwords (about 49,000, from public breach corpora), compared without regard to case.
const COMMON_PASSWORDS = new Set((dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()))

export function isCommonPassword (password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase())
}

// For configured passwords (ADMIN_PASSWORD), which no schema has checked.
export function isWeakPassword (password: string, username: string): boolean {
  return password.length < 8 || password.length > 128 || password.toLowerCase() === username.toLowerCase() || isCommonPassword(password)
}

export function assertAcceptablePassword (password: string, username: string): void {
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new ApiError(400, 'weak_password', 'The password must not be the username')
  }
  if (isCommonPassword(password)) {
    throw new ApiError(400, 'weak_password', 'This password is too commonly used; choose another')
  }
}
