// NIST SP 800-63B: length is checked by the schemas (8 to 128, never truncated); here, passwords that are easy to guess.
import { createRequire } from 'node:module'
import { ApiError } from '../api-error.js'

// zxcvbn-ts's list of commonly used passwords (about 49,000, from public breach corpora), compared without regard to
// case. Its package keeps every list it ships alive as strings and arrays (6 MB of heap): only this one is read, and
// kept as one sorted string with the offsets of its entries (about 1 MB).
const PASSWORD_LIST_MODULE = '@zxcvbn-ts/language-common/dist/passwords.json.cjs'

interface SortedWords { text: string, starts: Uint32Array }

function loadSortedWords (): SortedWords {
  const require = createRequire(import.meta.url)
  const cachedBefore = new Set(Object.keys(require.cache))
  const words = [...new Set((require(PASSWORD_LIST_MODULE) as string[]).map((word) => word.toLowerCase()))].sort()
  // Read once: out of the module cache, the list module (and its decompressor, which points back to it) can be collected.
  for (const path of Object.keys(require.cache)) {
    if (!cachedBefore.has(path)) delete require.cache[path]
  }
  const starts = new Uint32Array(words.length + 1)
  for (let index = 0; index < words.length; index++) {
    starts[index + 1] = (starts[index] as number) + (words[index] as string).length
  }
  return { text: words.join(''), starts }
}

const COMMON_PASSWORDS = loadSortedWords()

function wordAt ({ text, starts }: SortedWords, index: number): string {
  return text.slice(starts[index], starts[index + 1])
}

export function isCommonPassword (password: string): boolean {
  const wanted = password.toLowerCase()
  let low = 0
  let high = COMMON_PASSWORDS.starts.length - 2
  while (low <= high) {
    const middle = (low + high) >>> 1
    const word = wordAt(COMMON_PASSWORDS, middle)
    if (word === wanted) return true
    if (word < wanted) low = middle + 1
    else high = middle - 1
  }
  return false
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
