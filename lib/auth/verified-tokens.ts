// Access tokens whose signature and claims were verified, kept until they expire so that a client's next
// requests skip decoding and the signature check. Only tokens we signed get in, so the size is bounded by ours.
import { hash } from 'node:crypto'
import { LRUCache } from 'lru-cache'

// Kept under the token's SHA-256, not its text: a token is ~360 bytes and kept the header string it was cut from
// alive, about 5 MB for 10,000 of them (measured with npm run bench). Equal digests mean equal tokens.
function keyOf (token: string): string {
  return hash('sha256', token, 'base64url')
}

export interface ExpiringClaims {
  exp: number
}

export class VerifiedTokens<Claims extends ExpiringClaims> {
  readonly #claims: LRUCache<string, Claims>
  readonly #clockToleranceMs: number
  // Per connection, the Authorization header of its last request and the claims found for it; gone with the connection.
  readonly #lastOnConnection = new WeakMap<object, { header: string, claims: Claims }>()

  constructor ({ capacity, clockToleranceMs }: { capacity: number, clockToleranceMs: number }) {
    // Bounded by count through maxSize: with `max`, lru-cache allocates its arrays for the whole bound up front.
    this.#claims = new LRUCache({ maxSize: capacity, sizeCalculation: () => 1 })
    this.#clockToleranceMs = clockToleranceMs
  }

  // The claims of a token verified before and not yet expired; an expired one is forgotten and verified again.
  get (token: string, now = Date.now()): Claims | undefined {
    const key = keyOf(token)
    const claims = this.#claims.get(key)
    if (claims === undefined) return undefined
    if (this.#unexpired(claims, now)) return claims
    this.#claims.delete(key)
    return undefined
  }

  // The claims found for the connection's last request, if this one carries the very same Authorization header and
  // they have not expired: a keep-alive client repeats its header, which then needs neither its checks nor its digest.
  onConnection (connection: object, header: string | undefined, now = Date.now()): Claims | undefined {
    const last = this.#lastOnConnection.get(connection)
    return last !== undefined && last.header === header && this.#unexpired(last.claims, now) ? last.claims : undefined
  }

  // `header` passed the checks and carries a token with these claims, verified or remembered.
  seenOnConnection (connection: object, header: string, claims: Claims): void {
    this.#lastOnConnection.set(connection, { header, claims })
  }

  #unexpired (claims: Claims, now: number): boolean {
    return claims.exp * 1000 + this.#clockToleranceMs > now
  }

  remember (token: string, claims: Claims): void {
    this.#claims.set(keyOf(token), claims)
  }
}
