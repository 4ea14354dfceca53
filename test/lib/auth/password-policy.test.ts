// The common-password list is kept as one sorted string (lib/auth/password-policy.ts): it must answer exactly as a Set
// of the package's own list would, for every entry, in any case, and for near misses.
import { test } from 'tap'
import { dictionary } from '@zxcvbn-ts/language-common'
import { isCommonPassword, isWeakPassword } from '../../../lib/auth/password-policy.js'

const listed = dictionary['passwords-common'] as string[]
const reference = new Set(listed.map((word) => word.toLowerCase()))

test('every listed password is found, whatever its case', async (t) => {
  t.ok(listed.length > 40_000, `the package lists ${listed.length} passwords`)
  const missed = listed.filter((word) => !isCommonPassword(word) || !isCommonPassword(word.toUpperCase()))
  t.same(missed, [], 'no listed password missed')
})

test('a password the list does not hold is not found', async (t) => {
  const nearMisses = [...listed.slice(0, 2000), ...listed.slice(-2000)]
    .flatMap((word) => [`${word}\u0000`, `~${word}`, word.slice(0, -1), `${word}zq9`])
    .filter((word) => !reference.has(word.toLowerCase()))
  t.ok(nearMisses.length > 10_000, `${nearMisses.length} near misses tried`)
  t.same(nearMisses.filter(isCommonPassword), [], 'none of them found')
  t.equal(isCommonPassword(''), false)
  t.equal(isCommonPassword('correct horse battery staple, 2026'), false)
})

test('isWeakPassword: short, long, the username, or listed', async (t) => {
  t.equal(isWeakPassword('Passw0rd', 'alice'), isCommonPassword('Passw0rd'))
  t.equal(isWeakPassword('PASSWORD', 'alice'), true, 'listed, upper case')
  t.equal(isWeakPassword('Xy7#q', 'alice'), true, 'shorter than 8 (and neither listed nor the username)')
  t.equal(isWeakPassword('x'.repeat(129), 'alice'), true, 'longer than 128')
  t.equal(isWeakPassword('Alice-the-admin', 'alice-the-admin'), true, 'the username')
  t.equal(isWeakPassword('a rare sentence for a password', 'alice'), false)
})
