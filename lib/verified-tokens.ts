// Access tokens whose signature and claims were verified, kept until they expire so that a client's next
// requests skip decoding and the signature check. Only tokens we signed get in, so the size is bounded by ours.
export interface ExpiringClaims {
  exp: number
}

export class VerifiedTokens<Claims extends ExpiringClaims> {
  readonly #claims = new Map<string, Claims>()
  readonly #capacity: number
  readonly #clockToleranceMs: number

  constructor ({ capacity, clockToleranceMs }: { capacity: number, clockToleranceMs: number }) {
    this.#capacity = capacity
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
    // The oldest entry goes first; a Map iterates in insertion order.
    if (this.#claims.size >= this.#capacity) this.#claims.delete(this.#claims.keys().next().value as string)
    this.#claims.set(token, claims)
  }
}
