// Who sees which tasks on GET /todo, and the Link header that leads to the next page.
import { ApiError } from '../api-error.js'
import { nextPageLink } from './keyset-page.js'
import type { AuthenticatedUser } from '../../schemas/users.js'
import { hasPermission } from '../auth/permissions.js'
import type { Order } from '../../schemas/todo.js'

export interface ListRequest {
  order?: Order
  limit?: number
  cursor?: string
  userId?: string
}

// Normal users see their own tasks; holders of todo:read:any (admins) everyone's, or one user's with ?userId=.
export function listedOwner (viewer: AuthenticatedUser, requestedUserId: string | undefined): string | undefined {
  if (hasPermission(viewer.role, 'todo:read:any')) return requestedUserId
  if (requestedUserId !== undefined && requestedUserId !== viewer.id) {
    throw new ApiError(403, 'forbidden', 'Only admins may list another user\'s tasks')
  }
  return viewer.id
}

// The page cache key of a list that only the viewer's own tasks make up (their tasks_version dates each page);
// undefined for the views that span owners (an admin's), which are not cached (measured with npm run bench).
// The path is part of it: /todo/ASC and /todo?order=asc list the same tasks, but each page's Link stays on its own path.
export function ownPageCacheKey (path: string, viewer: AuthenticatedUser, query: ListRequest, order: Order, limit: number): string | undefined {
  if (hasPermission(viewer.role, 'todo:read:any')) return undefined
  return `${path} ${viewer.id} ${order} ${limit} ${query.userId ?? ''} ${query.cursor ?? ''}`
}

// The link stays on the path the client called: /todo/ASC and /todo/DESC carry the order in the path and take no `order`.
export function nextTasksPageLink (path: string, query: ListRequest, order: Order, limit: number, cursor: string): string {
  const orderParameter = path === '/todo' ? order : undefined
  return nextPageLink(path, [['order', orderParameter], ['limit', String(limit)], ['cursor', cursor], ['userId', query.userId]])
}
