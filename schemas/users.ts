// Users as the API shows them, and the bodies that create or authenticate one.
import { Type, type Static } from '@sinclair/typebox'
import { TimestampSchema, UuidSchema } from './common.js'

export const UsernameSchema = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$', examples: ['alice'] })
export const PasswordSchema = Type.String({ minLength: 8, maxLength: 128, examples: ['correct horse battery staple'] })
export const DisplayNameSchema = Type.String({ minLength: 1, maxLength: 100, examples: ['Alice Example'] })
export const RoleSchema = Type.Union([Type.Literal('normal'), Type.Literal('admin')])

export const UserSchema = Type.Object({
  id: UuidSchema,
  username: Type.String({ examples: ['alice'] }),
  name: Type.String({ examples: ['Alice Example'] }),
  role: RoleSchema,
  createdAt: TimestampSchema
}, { $id: 'User', additionalProperties: false, description: 'A user; never carries a password or its hash' })
export type User = Static<typeof UserSchema>

export const RegisterBodySchema = Type.Object({
  username: UsernameSchema,
  password: PasswordSchema,
  name: DisplayNameSchema
}, { additionalProperties: false })
export type RegisterBody = Static<typeof RegisterBodySchema>

// Login accepts any string that fits the field limits, so a wrong username is answered like a wrong password.
export const LoginBodySchema = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 32, examples: ['alice'] }),
  password: Type.String({ minLength: 1, maxLength: 128, examples: ['correct horse battery staple'] })
}, { additionalProperties: false })
export type LoginBody = Static<typeof LoginBodySchema>

export const TokenPairSchema = Type.Object({
  access_token: Type.String({ description: 'JWT (typ at+jwt) for the Authorization: Bearer header' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires', examples: [900] }),
  refresh_token: Type.String({ description: 'Opaque token for POST /refresh; single use' })
}, { $id: 'TokenPair', additionalProperties: false })
export type TokenPair = Static<typeof TokenPairSchema>

export const MessageSchema = Type.Object({
  message: Type.String({ examples: ['Hello, admin alice'] })
}, { additionalProperties: false })

export const JwksSchema = Type.Object({
  keys: Type.Array(Type.Object({
    kty: Type.String(),
    crv: Type.String(),
    x: Type.String(),
    kid: Type.String(),
    alg: Type.String(),
    use: Type.String()
  }, { additionalProperties: false }))
}, { additionalProperties: false, description: 'JSON Web Key Set (RFC 7517) of the public keys that verify access tokens' })

export const ChangePasswordBodySchema = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 128 }),
  newPassword: PasswordSchema
}, { additionalProperties: false })
export type ChangePasswordBody = Static<typeof ChangePasswordBodySchema>
