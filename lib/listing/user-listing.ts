// GET /users pages: opaque keyset cursors over (created_at, id), and the Link header that leads to the next page.
import { hasUtcForm, isRealInstant } from '../dates.js'
import { keysetCursor, nextPageLink } from './keyset-page.js'
import type { UserRow } from '../database/database-types.js'
import type { ListUsersQuery } from '../../schemas/users.js'

export interface UserPosition {
  createdAt: string
  id: string
}

const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

// The leading 'u' keeps a /todo cursor from passing as a /users one.
export const userCursor = keysetCursor<UserPosition, Pick<UserRow, 'created_at' | 'id'>>({
  write: (last) => ['u', last.created_at, last.id],
  read (fields) {
    const [kind, createdAt, id] = fields
    return fields.length === 3 && kind === 'u' && hasUtcForm(createdAt) && isRealInstant(createdAt) && typeof id === 'string' && LOWER_CASE_UUID.test(id) ? { createdAt, id } : undefined
  }
})

export function nextUsersPageLink (query: ListUsersQuery, order: 'asc' | 'desc', limit: number, cursor: string): string {
  return nextPageLink('/users', [['order', order], ['limit', String(limit)], ['role', query.role], ['disabled', query.disabled === undefined ? undefined : String(query.disabled)], ['cursor', cursor]])
}
