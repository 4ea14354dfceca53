// What each role may do, in one table. Adding a role is one entry in ROLE_PERMISSIONS (the users.role column's CHECK
// constraint then needs a migration).
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
