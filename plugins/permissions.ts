// The requirePermission gate that routes put in front of their handlers; the role table is schemas/roles.ts.
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../lib/api-error.js'
import { hasPermission } from '../lib/auth/permissions.js'
import type { Permission } from '../schemas/roles.js'

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
