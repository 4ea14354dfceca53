// Users as the API shows them, and the bodies that create or authenticate one.
import { Type, type Static } from '@sinclair/typebox'
import { ROLES, type Role } from './roles.js'
import { NO_NUL, StringEnum, TimestampSchema, UuidSchema, withHeaders } from './common.js'

export const UsernameSchema = Type.String({ minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$', examples: ['alice'] })
export const PasswordSchema = Type.String({ minLength: 8, maxLength: 128, examples: ['correct horse battery staple'] })
export const DisplayNameSchema = Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL, examples: ['Alice Example'] })
// The roles are the keys of the permission table, so a new role there is a valid value here.
export const RoleSchema = StringEnum<Role>(ROLES, { examples: ['normal'] })

export const UserSchema = Type.Object({
  id: UuidSchema,
  username: Type.String({ examples: ['alice'] }),
  name: Type.String({ examples: ['Alice Example'] }),
  role: RoleSchema,
  createdAt: TimestampSchema
}, { $id: 'User', additionalProperties: false, description: 'A user; never carries a password or its hash' })
export type User = Static<typeof UserSchema>

// The caller as authenticate found them: the user and the session their token belongs to.
export interface AuthenticatedUser extends User {
  sessionId: string
  // The version of the user's tasks when the session was read (GET /todo's page cache key).
  tasksVersion: number
}

export const RegisterBodySchema = Type.Object({
  username: UsernameSchema,
  password: PasswordSchema,
  name: DisplayNameSchema
}, { $id: 'RegisterBody', additionalProperties: false })
export type RegisterBody = Static<typeof RegisterBodySchema>

// Login accepts any string that fits the field limits, so a wrong username is answered like a wrong password.
export const LoginBodySchema = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 32, pattern: NO_NUL, examples: ['alice'] }),
  password: Type.String({ minLength: 1, maxLength: 128, examples: ['correct horse battery staple'] })
}, { $id: 'LoginBody', additionalProperties: false })
export type LoginBody = Static<typeof LoginBodySchema>

export const TokenPairSchema = Type.Object({
  access_token: Type.String({ description: 'JWT (typ at+jwt) for the Authorization: Bearer header' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires', examples: [900] }),
  refresh_token: Type.String({ description: 'Opaque token for POST /refresh; single use' })
}, { $id: 'TokenPair', additionalProperties: false })
export type TokenPair = Static<typeof TokenPairSchema>

// RFC 6749 5.1: an answer that carries tokens is never stored.
export const TokenPairResponseSchema = withHeaders(Type.Ref(TokenPairSchema), {
  'cache-control': Type.String({ description: 'no-store: tokens are never cached (RFC 6749)', examples: ['no-store'] }),
  pragma: Type.String({ description: 'no-cache, for HTTP/1.0 caches (RFC 6749)', examples: ['no-cache'] })
})

export const MessageSchema = Type.Object({
  message: Type.String({ examples: ['Hello, admin alice'] })
}, { $id: 'Message', additionalProperties: false })

export const JwkSchema = Type.Object({
  kty: Type.String({ examples: ['OKP'] }),
  crv: Type.String({ examples: ['Ed25519'] }),
  x: Type.String({ examples: ['11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'] }),
  kid: Type.String({ examples: ['k-2026-11-28-3f9a'] }),
  alg: Type.String({ examples: ['EdDSA'] }),
  use: Type.String({ examples: ['sig'] })
}, { $id: 'Jwk', additionalProperties: false, description: 'A public key (RFC 7517, RFC 8037)' })

export const JwksSchema = Type.Object({
  keys: Type.Array(Type.Ref(JwkSchema))
}, {
  $id: 'Jwks',
  additionalProperties: false,
  description: 'JSON Web Key Set (RFC 7517) of the public keys that verify access tokens',
  examples: [{ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k-2026-11-28-3f9a', alg: 'EdDSA', use: 'sig' }] }]
})

export const ChangePasswordBodySchema = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: 128 }),
  newPassword: PasswordSchema
}, { $id: 'ChangePasswordBody', additionalProperties: false, examples: [{ currentPassword: 'correct horse battery staple', newPassword: 'a new passphrase nobody guesses' }] })
export type ChangePasswordBody = Static<typeof ChangePasswordBodySchema>

// Administration: users as admins see them, and the queries and bodies of /users.
export const ManagedUserSchema = Type.Object({
  id: UuidSchema,
  username: Type.String({ examples: ['alice'] }),
  name: Type.String({ examples: ['Alice Example'] }),
  role: RoleSchema,
  disabled: Type.Boolean({ description: 'A disabled user cannot log in, and their tokens answer 403 account_disabled' }),
  createdAt: TimestampSchema
}, {
  $id: 'ManagedUser',
  additionalProperties: false,
  description: 'A user as admins see them: the public fields and whether the account is disabled',
  examples: [{ id: '5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10', username: 'alice', name: 'Alice Example', role: 'normal', disabled: false, createdAt: '2026-11-28T12:00:00.000Z' }]
})
export type ManagedUser = Static<typeof ManagedUserSchema>

export const ManagedUserListSchema = Type.Array(Type.Ref(ManagedUserSchema), {
  headers: {
    link: Type.String({ description: 'Present when another page exists: `</users?...&cursor=...>; rel="next"`', examples: ['</users?order=asc&limit=20&cursor=WyJ1IiwiMjAyNi0xMS0yOFQxMjowMDowMC4wMDBaIiwiNWIxZTNmMGUtOGYwYS00YzZmLTlhNTktMmYzYzdmMWQyYTEwIl0>; rel="next"'] })
  }
})

export const USERS_DEFAULT_PAGE_SIZE = 20

export const ListUsersQuerySchema = Type.Object({
  order: Type.Optional(StringEnum(['asc', 'desc'] as const, { description: 'By creation time, oldest first (asc, the default) or newest first' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: `Page size (default ${USERS_DEFAULT_PAGE_SIZE})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'From the previous page\'s Link rel="next"' })),
  role: Type.Optional(RoleSchema),
  disabled: Type.Optional(Type.Boolean({ description: 'Only disabled (true) or only enabled (false) accounts' }))
}, { additionalProperties: false })
export type ListUsersQuery = Static<typeof ListUsersQuerySchema>

export const UserIdParamsSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'User id (any letter case)', examples: ['5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10'] })
}, { additionalProperties: false })

export const UpdateUserBodySchema = Type.Object({
  role: Type.Optional(RoleSchema),
  name: Type.Optional(DisplayNameSchema),
  disabled: Type.Optional(Type.Boolean({ description: 'true disables the account: no login, and every token answers 403 account_disabled' }))
}, { $id: 'UpdateUserBody', additionalProperties: false, minProperties: 1, examples: [{ role: 'admin' }, { disabled: true }, { name: 'Alice Example' }] })
export type UpdateUserBody = Static<typeof UpdateUserBodySchema>
