// The tutorial's todo API: visibility by role, ownership, admin-only marking, cursor pagination.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ApiError } from '../../lib/api-error.js'
import { taskCursor } from '../../lib/cursor.js'
import { nowIso, toUtcIso } from '../../lib/dates.js'
import { keysetPage } from '../../lib/keyset-page.js'
import { listedOwner, nextTasksPageLink, type ListRequest } from '../../lib/task-listing.js'
import { assertPermission } from '../../plugins/permissions.js'
import { hasPermission } from '../../lib/permissions.js'
import { toTask, type TaskRow } from '../../plugins/repositories/tasks.js'
import { errorResponses, NoContentSchema, nextPageLinkHeader, withHeaders } from '../../schemas/common.js'
import {
  CreateTaskBodySchema, DEFAULT_PAGE_SIZE, ListTasksInOrderQuerySchema, ListTasksQuerySchema, MarkTaskParamsSchema,
  TaskIdParamsSchema, TaskListSchema, TaskSchema, UpdateTaskBodySchema, type Order, type Task
} from '../../schemas/todo.js'

type Security = Array<Record<string, string[]>>
const bearer: Security = [{ bearerAuth: [] }]
const optionalBearer: Security = [{}, { bearerAuth: [] }]

const todo: FastifyPluginAsyncTypebox = async function todo (fastify) {
  const { publicTodoLimit } = fastify.config

  async function listTasks (request: FastifyRequest, reply: FastifyReply, requested: ListRequest): Promise<Task[]> {
    // UUIDs compare without regard to case (RFC 9562); ids are stored in lower case.
    const query = { ...requested, userId: requested.userId?.toLowerCase() }
    const viewer = request.user as typeof request.user | null
    if (viewer === null) {
      if (query.userId !== undefined) throw new ApiError(401, 'invalid_token', 'Filtering by userId needs an access token')
      // Anonymous callers get the newest few, never paginated; `order` sorts them by due.
      const newest = await fastify.tasks.listNewest(Math.min(query.limit ?? publicTodoLimit, publicTodoLimit))
      if (query.order !== undefined) sortByDue(newest, query.order)
      return newest.map(toTask)
    }
    const order = query.order ?? 'asc'
    const limit = query.limit ?? DEFAULT_PAGE_SIZE
    // Before the cursor is read, so that asking for another user's tasks answers 403 whatever the cursor.
    const ownerId = listedOwner(viewer, query.userId)
    const page = await keysetPage(reply, {
      limit,
      cursor: query.cursor,
      format: taskCursor,
      fetchRows: async (after, count) => await fastify.tasks.listPage({ ownerId, order, limit: count, after }),
      linkToNextPage: (cursor) => nextTasksPageLink(request.routeOptions.url ?? '/todo', query, order, limit, cursor)
    })
    return page.map(toTask)
  }

  // A task the caller may not see answers exactly like a missing one.
  async function visibleTask (request: FastifyRequest, id: number): Promise<TaskRow> {
    const task = await fastify.tasks.findById(id)
    if (task === undefined || (task.user_id !== request.user.id && !hasPermission(request.user.role, 'todo:read:any'))) {
      throw fastify.httpErrors.notFound(`Task ${id} not found`)
    }
    return task
  }

  const listResponses = { 200: withHeaders(TaskListSchema, { link: nextPageLinkHeader('/todo') }), ...errorResponses(401, 403) }
  const listDescription = 'Anonymous: the newest tasks of all users. Normal user: their own. Admin: everyone\'s (or ?userId=). Pages carry Link rel="next".'

  fastify.get('', {
    onRequest: fastify.authenticateOptional,
    schema: { summary: 'List tasks', description: listDescription, tags: ['todo'], security: optionalBearer, querystring: ListTasksQuerySchema, response: listResponses }
  }, async function listTodos (request, reply) {
    return await listTasks(request, reply, request.query)
  })

  for (const order of ['asc', 'desc'] as const) {
    fastify.get(`/${order.toUpperCase()}`, {
      onRequest: fastify.authenticateOptional,
      schema: { summary: `List tasks by due date, ${order}ending (the tutorial's path)`, operationId: `listTodos${order === 'asc' ? 'Ascending' : 'Descending'}`, description: listDescription, tags: ['todo'], security: optionalBearer, querystring: ListTasksInOrderQuerySchema, response: listResponses }
    }, async function listTodosInOrder (request, reply) {
      return await listTasks(request, reply, { ...request.query, order })
    })
  }

  fastify.get('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Read a task (owner or admin)', description: 'A task of another user answers 404, exactly as a missing one does (admins see every task).', tags: ['todo'], security: bearer, params: TaskIdParamsSchema, response: { 200: Type.Ref(TaskSchema), ...errorResponses(401, 403, 404) } }
  }, async function showTodo (request) {
    return toTask(await visibleTask(request, request.params.id))
  })

  fastify.post('', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Create a task', description: 'The new task belongs to the caller; the answer carries its path in Location.', tags: ['todo'], security: bearer, body: CreateTaskBodySchema, response: { 201: withHeaders(Type.Ref(TaskSchema), { location: Type.String({ description: 'The new task\'s path', examples: ['/todo/42'] }) }), ...errorResponses(401, 403, 413, 415) } }
  }, async function createTodo (request, reply) {
    const { title, description = '', due } = request.body
    const task = await fastify.tasks.create({ userId: request.user.id, title, description, due: due === undefined ? nowIso() : toUtcIso(due) })
    return reply.code(201).header('location', `/todo/${task.id}`).send(toTask(task))
  })

  fastify.put('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Edit your own task', description: '`done` cannot be set here: only an admin marks tasks, through PUT /todo/mark/{id}/{status}.', tags: ['todo'], security: bearer, params: TaskIdParamsSchema, body: UpdateTaskBodySchema, response: { 200: Type.Ref(TaskSchema), ...errorResponses(401, 403, 404, 413, 415) } }
  }, async function updateTodo (request) {
    const task = await visibleTask(request, request.params.id)
    if (task.user_id !== request.user.id) throw fastify.httpErrors.forbidden('Admins may edit only their own tasks')
    const { due, ...text } = request.body
    const updated = await fastify.tasks.update(task.id, due === undefined ? text : { ...text, due: toUtcIso(due) })
    if (updated === undefined) throw fastify.httpErrors.notFound(`Task ${task.id} not found`)
    return toTask(updated)
  })

  fastify.delete('/:id', {
    onRequest: fastify.authenticate,
    schema: { summary: 'Delete a task (owner or admin)', description: 'A task of another user answers 404 to a normal user; admins may delete any task.', tags: ['todo'], security: bearer, params: TaskIdParamsSchema, response: { 204: NoContentSchema, ...errorResponses(401, 403, 404, 413, 415) } }
  }, async function deleteTodo (request, reply) {
    const task = await visibleTask(request, request.params.id)
    if (task.user_id !== request.user.id) assertPermission(request, 'todo:delete:any', 'Only the owner may delete this task')
    await fastify.tasks.remove(task.id)
    return reply.code(204).send(null)
  })

  fastify.put('/mark/:id/:status', {
    onRequest: fastify.authenticate,
    preHandler: fastify.requirePermission('todo:mark'),
    schema: { summary: 'Mark a task done (1) or not done (0); admins only', tags: ['todo'], security: bearer, params: MarkTaskParamsSchema, response: { 200: Type.Ref(TaskSchema), ...errorResponses(401, 403, 404, 413, 415) } }
  }, async function markTodo (request) {
    const { id, status } = request.params
    const task = await fastify.tasks.setDone(id, status === 1)
    if (task === undefined) throw fastify.httpErrors.notFound(`Task ${id} not found`)
    return toTask(task)
  })
}

function sortByDue (rows: TaskRow[], order: Order): void {
  const direction = order === 'asc' ? 1 : -1
  rows.sort((a, b) => direction * (a.due === b.due ? a.id - b.id : a.due < b.due ? -1 : 1))
}

export default todo
