// Administration: admins list, read, change and delete users. Every change acts on the user's next request,
// since authentication reads the user from the database each time.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../lib/api-error.js'
import { keysetPage } from '../../lib/listing/keyset-page.js'
import { nextUsersPageLink, userCursor } from '../../lib/listing/user-listing.js'
import type { UserRow } from '../../lib/database/database-types.js'
import { toManagedUser, type UserChanges } from '../../plugins/repositories/users.js'
import { errorResponses, NoContentSchema, nextPageLinkHeader, withHeaders } from '../../schemas/common.js'
import { TOKEN_REFUSALS } from '../../schemas/error-codes.js'
import {
  ListUsersQuerySchema, ManagedUserListSchema, ManagedUserSchema, UpdateUserBodySchema, UserIdParamsSchema, USERS_DEFAULT_PAGE_SIZE
} from '../../schemas/users.js'

const bearer = [{ bearerAuth: [] }]

// An admin may not lock themselves out by accident: another admin, or `npm run user`, can do it deliberately.
function assertNotOwnAccount (request: FastifyRequest, target: UserRow, changes: UserChanges | 'delete'): void {
  if (target.id !== request.user.id) return
  if (changes === 'delete') throw new ApiError(403, 'own_account', 'Admins cannot delete their own account; another admin can')
  if (changes.role !== undefined && changes.role !== target.role) throw new ApiError(403, 'own_account', 'Admins cannot change their own role; another admin can')
  if (changes.disabled === true) throw new ApiError(403, 'own_account', 'Admins cannot disable their own account; another admin can')
}

const users: FastifyPluginAsyncTypebox = async function users (fastify) {
  // The gate runs before validation, so callers without the permission learn nothing about ids or bodies.
  const adminOnly = [fastify.authenticate, fastify.requirePermission('users:manage')]

  async function existingUser (id: string): Promise<UserRow> {
    const user = await fastify.users.findById(id)
    if (user === undefined) throw fastify.httpErrors.notFound(`User ${id} not found`)
    return user
  }

  fastify.get('', {
    onRequest: adminOnly,
    schema: {
      summary: 'List users (admins)',
      description: 'Ordered by creation time. Filter by `role` and `disabled`. A page that has more answers `Link: </users?...&cursor=...>; rel="next"`.',
      tags: ['users'],
      security: bearer,
      querystring: ListUsersQuerySchema,
      response: { 200: withHeaders(ManagedUserListSchema, { link: nextPageLinkHeader('/users') }), ...errorResponses(...TOKEN_REFUSALS, 'forbidden') }
    }
  }, async function listUsers (request, reply) {
    const { query } = request
    const order = query.order ?? 'asc'
    const limit = query.limit ?? USERS_DEFAULT_PAGE_SIZE
    const page = await keysetPage(reply, {
      limit,
      cursor: query.cursor,
      format: userCursor,
      fetchRows: async (after, count) => await fastify.users.listPage({ role: query.role, disabled: query.disabled, order, limit: count, after }),
      linkToNextPage: (cursor) => nextUsersPageLink(query, order, limit, cursor)
    })
    return page.map(toManagedUser)
  })

  fastify.get('/:id', {
    onRequest: adminOnly,
    schema: {
      summary: 'Read a user (admins)',
      tags: ['users'],
      security: bearer,
      params: UserIdParamsSchema,
      response: { 200: Type.Ref(ManagedUserSchema), ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'not_found') }
    }
  }, async function showUser (request) {
    return toManagedUser(await existingUser(request.params.id.toLowerCase()))
  })

  fastify.patch('/:id', {
    onRequest: adminOnly,
    schema: {
      summary: 'Change a user\'s role, name or disabled flag (admins)',
      description: 'Acts on the user\'s next request. 403 own_account when admins demote or disable themselves; 409 last_admin when no active admin would remain.',
      tags: ['users'],
      security: bearer,
      params: UserIdParamsSchema,
      body: UpdateUserBodySchema,
      response: { 200: Type.Ref(ManagedUserSchema), ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'own_account', 'not_found', 'last_admin') }
    }
  }, async function updateUser (request) {
    const id = request.params.id.toLowerCase()
    assertNotOwnAccount(request, await existingUser(id), request.body)
    const updated = await fastify.users.update(id, request.body)
    if (updated === undefined) throw fastify.httpErrors.notFound(`User ${id} not found`)
    request.log.info({ event: 'user_updated', userId: id, by: request.user.id, changes: request.body }, 'user changed by an admin')
    return toManagedUser(updated)
  })

  fastify.delete('/:id', {
    onRequest: adminOnly,
    schema: {
      summary: 'Delete a user with their tasks and sessions (admins)',
      description: '403 own_account for one\'s own account; 409 last_admin when no active admin would remain.',
      tags: ['users'],
      security: bearer,
      params: UserIdParamsSchema,
      response: { 204: NoContentSchema, ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'own_account', 'not_found', 'last_admin') }
    }
  }, async function deleteUser (request, reply) {
    const id = request.params.id.toLowerCase()
    assertNotOwnAccount(request, await existingUser(id), 'delete')
    if (!await fastify.users.remove(id)) throw fastify.httpErrors.notFound(`User ${id} not found`)
    request.log.info({ event: 'user_deleted', userId: id, by: request.user.id }, 'user deleted by an admin')
    return reply.code(204).send(null)
  })

  // Allowed on one's own account too: like POST /logout?scope=global, it cannot lock anyone out (the account stays usable).
  fastify.delete('/:id/sessions', {
    onRequest: adminOnly,
    schema: {
      summary: 'End every session of a user at once (admins)',
      description: 'Every access and refresh token of the user stops working, and so does any login still in flight; the account stays usable ' +
        'and a new login opens a new session. On one\'s own account this ends the caller\'s session too.',
      tags: ['users'],
      security: bearer,
      params: UserIdParamsSchema,
      response: { 204: NoContentSchema, ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'not_found') }
    }
  }, async function endUserSessions (request, reply) {
    const id = request.params.id.toLowerCase()
    if (!await fastify.sessions.revokeAllOfUser(id)) throw fastify.httpErrors.notFound(`User ${id} not found`)
    request.log.info({ event: 'user_sessions_revoked', userId: id, by: request.user.id }, 'every session of a user ended by an admin')
    return reply.code(204).send(null)
  })
}

export default users
