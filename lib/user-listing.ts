// GET /users pages: opaque keyset cursors over (created_at, id), and the Link header that leads to the next page.
import { ApiError } from './api-error.js'
import type { UserPosition } from '../plugins/repositories/users.js'
import type { ListUsersQuery } from '../schemas/users.js'

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export function encodeUserCursor (position: UserPosition): string {
  return Buffer.from(JSON.stringify(['u', position.createdAt, position.id])).toString('base64url')
}

// The leading 'u' keeps a /todo cursor from passing as a /users one.
export function decodeUserCursor (cursor: string): UserPosition {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  if (Array.isArray(decoded) && decoded.length === 3) {
    const [kind, createdAt, id] = decoded as unknown[]
    if (kind === 'u' && typeof createdAt === 'string' && ISO_UTC.test(createdAt) && typeof id === 'string' && LOWER_CASE_UUID.test(id)) {
      return { createdAt, id }
    }
  }
  throw new ApiError(400, 'validation_error', 'querystring/cursor is not a cursor this service issued')
}

export function nextUsersPageLink (query: ListUsersQuery, order: 'asc' | 'desc', limit: number, cursor: string): string {
  const params = new URLSearchParams({ order, limit: String(limit) })
  if (query.role !== undefined) params.set('role', query.role)
  if (query.disabled !== undefined) params.set('disabled', query.disabled)
  params.set('cursor', cursor)
  return `</users?${params.toString()}>; rel="next"`
}
