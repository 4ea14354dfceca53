// The tutorial's todo API: visibility by role, ownership, admin-only marking, cursor pagination.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { hash } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../lib/api-error.js'
import { taskCursor } from '../../lib/listing/cursor.js'
import { nowIso, toUtcIso } from '../../lib/dates.js'
import { keysetPage } from '../../lib/listing/keyset-page.js'
import { contentEntityTag, taskEntityTag, versionsAllowedByIfMatch } from '../../lib/http/entity-tags.js'
import { sendRepresentation, serialized } from '../../lib/http/representation.js'
import { listedOwner, nextTasksPageLink, ownPageCacheKey, type ListRequest } from '../../lib/listing/task-listing.js'
import { assertPermission } from '../../plugins/permissions.js'
import { hasPermission } from '../../lib/auth/permissions.js'
import { pageBytes } from '../../plugins/page-cache.js'
import type { StoredAnswer } from '../../plugins/repositories/idempotency-keys.js'
import { toTask, type AllowedVersions, type TaskRow } from '../../plugins/repositories/tasks.js'
import { errorResponses, NoContentSchema, nextPageLinkHeader, withHeaders } from '../../schemas/common.js'
import { TOKEN_REFUSALS } from '../../schemas/error-codes.js'
import {
  CacheControlHeaderSchema, ConditionalReadHeadersSchema, ConditionalWriteHeadersSchema, EntityTagHeaderSchema, IdempotentCreateHeadersSchema, NotModifiedSchema, notModifiedSchema
} from '../../schemas/conditional.js'
import {
  CreateTaskBodySchema, DEFAULT_PAGE_SIZE, ListTasksInOrderQuerySchema, ListTasksQuerySchema, MarkTaskParamsSchema,
  TaskIdParamsSchema, TaskListSchema, TaskSchema, UpdateTaskBodySchema, type Order, type Task
} from '../../schemas/todo.js'

type Security = Array<Record<string, string[]>>
const bearer: Security = [{ bearerAuth: [] }]
const optionalBearer: Security = [{}, { bearerAuth: [] }]

const todo: FastifyPluginAsyncTypebox = async function todo (fastify) {
  const { publicTodoLimit } = fastify.config
  const { pageCache } = fastify

  // Synchronous up to the cache: a kept page is answered without a promise; the rest reads the database.
  // `path` is the route's own (request.routeOptions would build an object on every request): the cache key and Link use it.
  function listTasks (request: FastifyRequest, reply: FastifyReply, path: string, requested: ListRequest): FastifyReply | Promise<FastifyReply> {
    // UUIDs compare without regard to case (RFC 9562); ids are stored in lower case.
    const query = { ...requested, userId: requested.userId?.toLowerCase() }
    const viewer = request.user as typeof request.user | null
    if (viewer === null) return listNewest(request, reply, query)
    const order = query.order ?? 'asc'
    const limit = query.limit ?? DEFAULT_PAGE_SIZE
    // Before the cursor is read, so that asking for another user's tasks answers 403 whatever the cursor.
    const ownerId = listedOwner(viewer, query.userId)
    // After authenticate's session read, which brought the owner's current version: a revoked token never gets here.
    const cacheKey = pageCache === undefined ? undefined : ownPageCacheKey(path, viewer, query, order, limit)
    const cached = cacheKey === undefined ? undefined : pageCache?.get(cacheKey, viewer.tasksVersion)
    if (cached !== undefined) {
      if (cached.link !== undefined) reply.header('link', cached.link)
      return sendRepresentation(request, reply, cached.body, cached.etag)
    }
    return readPage(request, reply, { ownerId, order, limit, path, query, cacheKey, version: viewer.tasksVersion })
  }

  // Anonymous callers get the newest few, never paginated; `order` sorts them by due.
  async function listNewest (request: FastifyRequest, reply: FastifyReply, query: ListRequest): Promise<FastifyReply> {
    if (query.userId !== undefined) throw new ApiError(401, 'invalid_token', 'Filtering by userId needs an access token')
    const newest = await fastify.tasks.listNewest(Math.min(query.limit ?? publicTodoLimit, publicTodoLimit))
    if (query.order !== undefined) sortByDue(newest, query.order)
    reply.header('cache-control', 'no-cache')
    return sendTasks(request, reply, newest.map(toTask))
  }

  interface PageRead { ownerId: string | undefined, order: Order, limit: number, path: string, query: ListRequest, cacheKey: string | undefined, version: number }

  async function readPage (request: FastifyRequest, reply: FastifyReply, { ownerId, order, limit, path, query, cacheKey, version }: PageRead): Promise<FastifyReply> {
    const page = await keysetPage(reply, {
      limit,
      cursor: query.cursor,
      format: taskCursor,
      fetchRows: async (after, count) => await fastify.tasks.listPage({ ownerId, order, limit: count, after }),
      linkToNextPage: (cursor) => nextTasksPageLink(path, query, order, limit, cursor)
    })
    const json = serialized(reply, page.map(toTask))
    const etag = contentEntityTag(json)
    if (cacheKey === undefined || pageCache === undefined) return sendRepresentation(request, reply, json, etag)
    // Kept as bytes, which each later answer sends as they are; a page not kept is sent as the text it is.
    const body = pageBytes(json)
    pageCache.set(cacheKey, { version, body, etag, link: reply.getHeader('link') as string | undefined })
    return sendRepresentation(request, reply, body, etag)
  }

  function sendTasks (request: FastifyRequest, reply: FastifyReply, tasks: Task[]): FastifyReply {
    const body = serialized(reply, tasks)
    return sendRepresentation(request, reply, body, contentEntityTag(body))
  }

  // The versions an If-Match allows (undefined: any); one that can match nothing fails before any write.
  function allowedVersions (request: FastifyRequest, id: number): AllowedVersions | undefined {
    const versions = versionsAllowedByIfMatch(request.headers['if-match'], id)
    if (versions === 'any') return undefined
    if (versions.length === 0) throw preconditionFailed(id)
    return versions
  }

  // The versions to try a write with before the task is read (undefined: any), or null when the If-Match can match
  // nothing of this task: that answers after the read, as a missing or foreign task does.
  function versionsToTryFirst (request: FastifyRequest, id: number): AllowedVersions | undefined | null {
    const versions = versionsAllowedByIfMatch(request.headers['if-match'], id)
    if (versions === 'any') return undefined
    return versions.length === 0 ? null : versions
  }

  // A conditional write that changed nothing: the task moved on (412), or it is gone (404).
  async function refusedWrite (id: number, versions: AllowedVersions | undefined): Promise<Error> {
    if (versions !== undefined && await fastify.tasks.findById(id) !== undefined) return preconditionFailed(id)
    return fastify.httpErrors.notFound(`Task ${id} not found`)
  }

  // POST /todo's answer, as it is sent and as an Idempotency-Key replays it.
  function createdAnswer (reply: FastifyReply, task: TaskRow): StoredAnswer {
    return { status: 201, body: serialized(reply, toTask(task)), location: `/todo/${task.id}`, etag: taskEntityTag(task.id, task.version) }
  }

  function sendTask (reply: FastifyReply, task: TaskRow): Task {
    reply.header('etag', taskEntityTag(task.id, task.version))
    return toTask(task)
  }

  // A task the caller may not see answers exactly like a missing one.
  async function visibleTask (request: FastifyRequest, id: number): Promise<TaskRow> {
    const task = await fastify.tasks.findById(id)
    if (task === undefined || (task.user_id !== request.user.id && !hasPermission(request.user.role, 'todo:read:any'))) {
      throw fastify.httpErrors.notFound(`Task ${id} not found`)
    }
    return task
  }

  const readHeaders = { etag: EntityTagHeaderSchema, 'cache-control': CacheControlHeaderSchema }
  const taskResponse = withHeaders(Type.Ref(TaskSchema), { etag: EntityTagHeaderSchema })
  const listResponses = { 200: withHeaders(TaskListSchema, { link: nextPageLinkHeader('/todo'), ...readHeaders }), 304: notModifiedSchema({ link: nextPageLinkHeader('/todo') }), ...errorResponses(...TOKEN_REFUSALS, 'forbidden') }
  const listDescription = 'Anonymous: the newest tasks of all users. Normal user: their own. Admin: everyone\'s (or ?userId=). Pages carry Link rel="next".'

  fastify.get('', {
    onRequest: fastify.authenticateOptional,
    schema: { summary: 'List tasks', description: listDescription, tags: ['todo'], security: optionalBearer, headers: ConditionalReadHeadersSchema, querystring: ListTasksQuerySchema, response: listResponses }
  }, function listTodos (request, reply) {
    return listTasks(request, reply, fastify.prefix, request.query)
  })

  for (const order of ['asc', 'desc'] as const) {
    const path = `${fastify.prefix}/${order.toUpperCase()}`
    fastify.get(`/${order.toUpperCase()}`, {
      onRequest: fastify.authenticateOptional,
      schema: { summary: `List tasks by due date, ${order}ending (the tutorial's path)`, operationId: `listTodos${order === 'asc' ? 'Ascending' : 'Descending'}`, description: listDescription, tags: ['todo'], security: optionalBearer, headers: ConditionalReadHeadersSchema, querystring: ListTasksInOrderQuerySchema, response: listResponses }
    }, function listTodosInOrder (request, reply) {
      return listTasks(request, reply, path, { ...request.query, order })
    })
  }

  fastify.get('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Read a task (owner or admin)', description: 'A task of another user answers 404, exactly as a missing one does (admins see every task).', tags: ['todo'], security: bearer, headers: ConditionalReadHeadersSchema, params: TaskIdParamsSchema, response: { 200: withHeaders(Type.Ref(TaskSchema), readHeaders), 304: NotModifiedSchema, ...errorResponses(...TOKEN_REFUSALS, 'not_found') } }
  }, async function showTodo (request, reply) {
    const task = await visibleTask(request, request.params.id)
    return sendRepresentation(request, reply, serialized(reply, toTask(task)), taskEntityTag(task.id, task.version))
  })

  fastify.post('', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Create a task', description: 'The new task belongs to the caller; the answer carries its path in Location.', tags: ['todo'], security: bearer, headers: IdempotentCreateHeadersSchema, body: CreateTaskBodySchema, response: { 201: withHeaders(Type.Ref(TaskSchema), { location: Type.String({ description: 'The new task\'s path', examples: ['/todo/42'] }), etag: EntityTagHeaderSchema }), ...errorResponses(...TOKEN_REFUSALS, 'idempotency_key_in_progress', 'idempotency_key_reused') } }
  }, async function createTodo (request, reply) {
    const { title, description = '', due } = request.body
    const newTask = { userId: request.user.id, title, description, due: due === undefined ? nowIso() : toUtcIso(due) }
    const key = request.headers['idempotency-key']
    reply.code(201)
    if (typeof key !== 'string') return sendStoredAnswer(reply, createdAnswer(reply, await fastify.tasks.create(newTask)))
    // A retry with the same key and body answers the first answer; another body, or a first still running, is refused.
    const claim = await fastify.idempotencyKeys.claim(newTask.userId, key, requestFingerprint(request.body))
    if (claim.outcome === 'replay') return sendStoredAnswer(reply, claim.answer)
    if (claim.outcome === 'reused') throw new ApiError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with another body')
    if (claim.outcome === 'in_progress') throw new ApiError(409, 'idempotency_key_in_progress', 'A request with this Idempotency-Key is still running; retry later')
    let answer: StoredAnswer | undefined
    try {
      await fastify.tasks.create(newTask, async function recordAnswer (trx, row) {
        answer = createdAnswer(reply, row)
        await fastify.idempotencyKeys.complete(trx, newTask.userId, key, answer)
      })
    } catch (error) {
      // If the database is away this fails too; the claim is then taken over after a minute.
      await fastify.idempotencyKeys.release(newTask.userId, key).catch(() => {})
      throw error
    }
    return sendStoredAnswer(reply, answer as StoredAnswer)
  })

  fastify.put('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Edit your own task', description: '`done` cannot be set here: only an admin marks tasks, through PUT /todo/mark/{id}/{status}.', tags: ['todo'], security: bearer, headers: ConditionalWriteHeadersSchema, params: TaskIdParamsSchema, body: UpdateTaskBodySchema, response: { 200: taskResponse, ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'not_found', 'precondition_failed') } }
  }, async function updateTodo (request, reply) {
    const { id } = request.params
    const { due, ...text } = request.body
    const changes = due === undefined ? text : { ...text, due: toUtcIso(due) }
    // The caller's own task at an allowed version changes in one statement; anything else is told apart after.
    const firstVersions = versionsToTryFirst(request, id)
    const updated = firstVersions === null ? undefined : await fastify.tasks.update(id, changes, { ownerId: request.user.id, versions: firstVersions })
    if (updated !== undefined) return sendTask(reply, updated)
    const task = await visibleTask(request, id)
    if (task.user_id !== request.user.id) throw fastify.httpErrors.forbidden('Admins may edit only their own tasks')
    const versions = allowedVersions(request, task.id)
    const retried = await fastify.tasks.update(task.id, changes, { ownerId: request.user.id, versions })
    if (retried === undefined) throw await refusedWrite(task.id, versions)
    return sendTask(reply, retried)
  })

  fastify.delete('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Delete a task (owner or admin)', description: 'A task of another user answers 404 to a normal user; admins may delete any task.', tags: ['todo'], security: bearer, headers: ConditionalWriteHeadersSchema, params: TaskIdParamsSchema, response: { 204: NoContentSchema, ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'not_found', 'precondition_failed') } }
  }, async function deleteTodo (request, reply) {
    const { id } = request.params
    const ownerId = hasPermission(request.user.role, 'todo:delete:any') ? undefined : request.user.id
    const firstVersions = versionsToTryFirst(request, id)
    if (firstVersions !== null && await fastify.tasks.remove(id, { ownerId, versions: firstVersions })) return reply.code(204).send(null)
    const task = await visibleTask(request, id)
    if (task.user_id !== request.user.id) assertPermission(request, 'todo:delete:any', 'Only the owner may delete this task')
    const versions = allowedVersions(request, task.id)
    if (!await fastify.tasks.remove(task.id, { versions })) throw await refusedWrite(task.id, versions)
    return reply.code(204).send(null)
  })

  fastify.put('/mark/:id/:status', {
    onRequest: fastify.authenticate,
    preHandler: fastify.requirePermission('todo:mark'),
    schema: { summary: 'Mark a task done (1) or not done (0); admins only', tags: ['todo'], security: bearer, headers: ConditionalWriteHeadersSchema, params: MarkTaskParamsSchema, response: { 200: taskResponse, ...errorResponses(...TOKEN_REFUSALS, 'forbidden', 'not_found', 'precondition_failed') } }
  }, async function markTodo (request, reply) {
    const { id, status } = request.params
    const versions = allowedVersions(request, id)
    const task = await fastify.tasks.setDone(id, status === 1, { versions })
    if (task === undefined) throw await refusedWrite(id, versions)
    return sendTask(reply, task)
  })
}

function sendStoredAnswer (reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  if (answer.location !== null) reply.header('location', answer.location)
  if (answer.etag !== null) reply.header('etag', answer.etag)
  return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body)
}

// The same body means the same JSON, key order included.
function requestFingerprint (body: unknown): string {
  return hash('sha256', JSON.stringify(body), 'base64url')
}

function preconditionFailed (id: number): ApiError {
  return new ApiError(412, 'precondition_failed', `Task ${id} has changed since the If-Match's entity tag; read it again`)
}

function sortByDue (rows: TaskRow[], order: Order): void {
  const direction = order === 'asc' ? 1 : -1
  rows.sort((a, b) => direction * (a.due === b.due ? a.id - b.id : a.due < b.due ? -1 : 1))
}

export default todo
