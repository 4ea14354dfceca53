// The memo of verified access tokens: a hit until the token expires (plus the clock tolerance), then a miss.
import { test } from 'tap'
import { VerifiedTokens } from '../../../lib/auth/verified-tokens.js'

const NOW = Date.UTC(2026, 10, 28, 12)
const claimsExpiringIn = (seconds: number) => ({ sub: 'user', exp: NOW / 1000 + seconds })

test('a remembered token is returned until it expires, then forgotten', async (t) => {
  const tokens = new VerifiedTokens<{ sub: string, exp: number }>({ capacity: 10, clockToleranceMs: 5_000 })
  const claims = claimsExpiringIn(60)
  t.equal(tokens.get('a.b.c', NOW), undefined, 'unknown before it is verified')
  tokens.remember('a.b.c', claims)
  t.equal(tokens.get('a.b.c', NOW), claims)
  t.equal(tokens.get('a.b.c', NOW + 64_999), claims, 'within the clock tolerance after exp')
  t.equal(tokens.get('a.b.c', NOW + 65_000), undefined, 'past exp and the tolerance')
  t.equal(tokens.get('a.b.c', NOW), undefined, 'and forgotten, so it is verified again')
  t.equal(tokens.get('a.b.d', NOW), undefined, 'another token text is another entry')
})

test('past its capacity the oldest token is forgotten first', async (t) => {
  const tokens = new VerifiedTokens<{ exp: number }>({ capacity: 2, clockToleranceMs: 0 })
  tokens.remember('first', claimsExpiringIn(60))
  tokens.remember('second', claimsExpiringIn(60))
  tokens.remember('third', claimsExpiringIn(60))
  t.equal(tokens.get('first', NOW), undefined)
  t.ok(tokens.get('second', NOW))
  t.ok(tokens.get('third', NOW))
})

test('only the exact token text finds its claims: no prefix, suffix, case or one-character change does', async (t) => {
  const tokens = new VerifiedTokens<{ sub: string, exp: number }>({ capacity: 10, clockToleranceMs: 0 })
  const token = `${'h'.repeat(40)}.${'p'.repeat(200)}.${'s'.repeat(86)}`
  const claims = claimsExpiringIn(60)
  tokens.remember(token, claims)
  t.equal(tokens.get(token, NOW), claims)
  const lookalikes = [token.slice(0, -1), `${token}s`, token.toUpperCase(), `${token.slice(0, -1)}t`, token.replace('.', '_'), ` ${token}`]
  t.same(lookalikes.map((lookalike) => tokens.get(lookalike, NOW)), lookalikes.map(() => undefined))
})
