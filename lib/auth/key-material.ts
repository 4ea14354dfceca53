// Ed25519 key pairs for signing access tokens: generation, RFC 7638 thumbprints as kids, public JWKs.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto'

export interface PublicJwk {
  kty: string
  crv: string
  x: string
  kid: string
  alg: string
  use: string
}

export interface GeneratedKeyPair {
  kid: string
  publicKey: string
  privateKey: string
}

function thumbprint (publicKeyPem: string): string {
  const { crv, kty, x } = createPublicKey(publicKeyPem).export({ format: 'jwk' })
  // RFC 7638: the required members in lexicographic order, no white space.
  return createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url')
}

export function generateEd25519KeyPair (): GeneratedKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' }
  })
  return { kid: thumbprint(publicKey), publicKey, privateKey }
}

export function toPublicJwk (publicKeyPem: string, kid: string): PublicJwk {
  const { kty, crv, x } = createPublicKey(publicKeyPem).export({ format: 'jwk' })
  return { kty: kty as string, crv: crv as string, x: x as string, kid, alg: 'EdDSA', use: 'sig' }
}

// A stable, non-secret kid for an HS256 secret, so tokens name the key they were signed with.
export function secretKid (secret: string): string {
  return 'hs256-' + createHash('sha256').update(secret).digest('base64url').slice(0, 16)
}
