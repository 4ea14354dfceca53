// What each role may do, in one table, and the requirePermission gate that routes put in front of their handlers.
// Adding a role is one entry in ROLE_PERMISSIONS (the users.role column's CHECK constraint then needs a migration).
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../lib/api-error.js'
import type { Role as StoredRole } from '../lib/database-types.js'

export const PERMISSIONS = [
  'admin:access', // the admin gate of the design card (requireAdmin): GET /admin_only
  'todo:read:any', // read and list every user's tasks, not only one's own
  'todo:delete:any', // delete any user's task
  'todo:mark', // PUT /todo/mark/:id/:status
  'users:manage' // the Administration routes: list, read, change and delete users
] as const
export type Permission = typeof PERMISSIONS[number]

// Every signed-in user may manage their own tasks and profile; these are the powers beyond that.
export const ROLE_PERMISSIONS = {
  normal: [],
  admin: ['admin:access', 'todo:read:any', 'todo:delete:any', 'todo:mark', 'users:manage']
} as const satisfies Record<string, readonly Permission[]>

export type Role = keyof typeof ROLE_PERMISSIONS
export const ROLES = Object.keys(ROLE_PERMISSIONS) as Role[]

// The users table's role type must name exactly the roles of the table above; tsc fails here when they drift.
type SameRoles = [Role] extends [StoredRole] ? ([StoredRole] extends [Role] ? true : never) : never
export const ROLES_MATCH_STORED_ROLES: SameRoles = true

export function hasPermission (role: Role | undefined, permission: Permission): boolean {
  if (role === undefined || !Object.hasOwn(ROLE_PERMISSIONS, role)) return false
  return (ROLE_PERMISSIONS[role] as readonly Permission[]).includes(permission)
}

export function assertPermission (request: FastifyRequest, permission: Permission, message = `This needs the ${permission} permission`): void {
  if (!hasPermission(request.user?.role, permission)) throw new ApiError(403, 'forbidden', message)
}

// An onRequest or preHandler hook (after authenticate) that lets through only holders of one permission;
// `permission` lets the OpenAPI document name it.
export type PermissionGate = ((request: FastifyRequest) => Promise<void>) & { permission: Permission }

declare module 'fastify' {
  interface FastifyInstance {
    requirePermission: (permission: Permission) => PermissionGate
  }
}

export function permissionGate (permission: Permission): PermissionGate {
  const requirePermission = async function requirePermission (request: FastifyRequest): Promise<void> {
    assertPermission(request, permission)
  }
  return Object.assign(requirePermission, { permission })
}

export default fp(async function permissions (fastify) {
  fastify.decorate('requirePermission', permissionGate)
}, { name: 'permissions' })
