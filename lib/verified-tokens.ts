// Access tokens whose signature and claims were verified, kept until they expire so that a client's next
// requests skip decoding and the signature check. Only tokens we signed get in, so the size is bounded by ours.
import { LRUCache } from 'lru-cache'

export interface ExpiringClaims {
  exp: number
}

export class VerifiedTokens<Claims extends ExpiringClaims> {
  readonly #claims: LRUCache<string, Claims>
  readonly #clockToleranceMs: number

  constructor ({ capacity, clockToleranceMs }: { capacity: number, clockToleranceMs: number }) {
    // Bounded by count through maxSize: with `max`, lru-cache allocates its arrays for the whole bound up front.
    this.#claims = new LRUCache({ maxSize: capacity, sizeCalculation: () => 1 })
    this.#clockToleranceMs = clockToleranceMs
  }

  // The claims of a token verified before and not yet expired; an expired one is forgotten and verified again.
  get (token: string, now = Date.now()): Claims | undefined {
    const claims = this.#claims.get(token)
    if (claims === undefined) return undefined
    if (claims.exp * 1000 + this.#clockToleranceMs > now) return claims
    this.#claims.delete(token)
    return undefined
  }

  remember (token: string, claims: Claims): void {
    this.#claims.set(token, claims)
  }
}
