// Bodies and queries that refresh or end sessions.
import { Type, type Static } from '@sinclair/typebox'
import { StringEnum } from './common.js'

export const RefreshBodySchema = Type.Object({
  refresh_token: Type.String({ minLength: 1, maxLength: 512, description: 'The refresh token of the latest pair', examples: ['pktD01mJ3xN5Qe1wXbqLrV0s2gYfHcA8uKzT4oPiWnE'] })
}, { $id: 'RefreshBody', additionalProperties: false, examples: [{ refresh_token: 'pktD01mJ3xN5Qe1wXbqLrV0s2gYfHcA8uKzT4oPiWnE' }] })
export type RefreshBody = Static<typeof RefreshBodySchema>

export const LogoutScopeSchema = StringEnum(['local', 'others', 'global'], {
  description: 'local: this session; others: every other session of the user; global: all of them',
  default: 'local'
})

export const LogoutQuerySchema = Type.Object({
  scope: Type.Optional(LogoutScopeSchema)
}, { additionalProperties: false })
