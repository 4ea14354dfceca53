// Whether a role holds a permission; the role table itself is schemas/roles.ts.
import type { Role as StoredRole } from '../database/database-types.js'
import { ROLE_PERMISSIONS, type Permission, type Role } from '../../schemas/roles.js'

// The users table's role type must name exactly the roles of schemas/roles.ts; tsc fails here when they drift.
type SameRoles = [Role] extends [StoredRole] ? ([StoredRole] extends [Role] ? true : never) : never
export const ROLES_MATCH_STORED_ROLES: SameRoles = true

export function hasPermission (role: Role | undefined, permission: Permission): boolean {
  if (role === undefined || !Object.hasOwn(ROLE_PERMISSIONS, role)) return false
  return (ROLE_PERMISSIONS[role] as readonly Permission[]).includes(permission)
}
