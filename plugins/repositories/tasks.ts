// SQL for tasks: keyset-paginated lists by due date, the newest few, and single-task reads and writes.
import fp from 'fastify-plugin'
import type { Kysely, Selectable, Transaction, WhereInterface } from 'kysely'
import { ApiError } from '../../lib/api-error.js'
import type { TaskPosition } from '../../lib/cursor.js'
import { isForeignKeyViolation } from '../../lib/database.js'
import type { Database, TasksTable } from '../../lib/database-types.js'
import { nowIso } from '../../lib/dates.js'
import { reusableQuery } from '../../lib/reusable-query.js'
import type { Order, Task } from '../../schemas/todo.js'

export type TaskRow = Selectable<TasksTable>

export interface TaskPageQuery {
  ownerId: string | undefined
  order: Order
  limit: number
  after: TaskPosition | undefined
}

export interface NewTask {
  userId: string
  title: string
  description: string
  due: string
}

export interface TaskChanges {
  title?: string
  description?: string
  due?: string
}

export function toTask (row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    done: row.done === 1,
    due: row.due,
    userId: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    tasks: ReturnType<typeof createTasksRepository>
  }
}

// Rows per INSERT in createMany: 7 parameters each stays far below SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_INSERT = 1000

// The versions a conditional write may change (an If-Match's); a non-empty list.
export type AllowedVersions = readonly number[]

function onlyAt<Q extends WhereInterface<Database, 'tasks'>> (query: Q, versions: AllowedVersions | undefined): Q {
  return versions === undefined ? query : query.where('version', 'in', versions) as Q
}

type PageQuery = (ownerId: string | undefined, afterDue: string | undefined, afterId: number | undefined, limit: number) => Promise<TaskRow[]>

export function createTasksRepository (db: Kysely<Database>) {
  // One page ordered by (due, id), in each of its eight shapes: order, one owner or all, first page or later.
  function pageQuery (order: Order, oneOwner: boolean, later: boolean): PageQuery {
    return reusableQuery(db, (ownerId: string | undefined, afterDue: string | undefined, afterId: number | undefined, limit: number) => {
      let query = db.selectFrom('tasks').selectAll()
      if (oneOwner) query = query.where('user_id', '=', ownerId as string)
      if (later) {
        const beyond = order === 'asc' ? '>' : '<'
        query = query.where((eb) => eb.or([
          eb('due', beyond, afterDue as string),
          eb.and([eb('due', '=', afterDue as string), eb('id', beyond, afterId as number)])
        ]))
      }
      return query.orderBy('due', order).orderBy('id', order).limit(limit)
    })
  }
  const pageQueries = new Map<string, PageQuery>()

  const listNewest = reusableQuery(db, (limit: number) => db.selectFrom('tasks').selectAll()
    .orderBy('created_at', 'desc').orderBy('id', 'desc')
    .limit(limit))

  return {
    // `after` is the last task of the previous page.
    async listPage ({ ownerId, order, limit, after }: TaskPageQuery): Promise<TaskRow[]> {
      const shape = `${order} ${ownerId !== undefined} ${after !== undefined}`
      let query = pageQueries.get(shape)
      if (query === undefined) {
        query = pageQuery(order, ownerId !== undefined, after !== undefined)
        pageQueries.set(shape, query)
      }
      return await query(ownerId, after?.due, after?.id, limit)
    },

    listNewest,

    async findById (id: number): Promise<TaskRow | undefined> {
      return await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst()
    },

    // `record`, when given, runs in the insert's transaction (the Idempotency-Key's answer is stored with the task).
    async create (task: NewTask, record?: (trx: Transaction<Database>, row: TaskRow) => Promise<void>): Promise<TaskRow> {
      const now = nowIso()
      const insert = (executor: Kysely<Database>) => executor.insertInto('tasks')
        .values({ user_id: task.userId, title: task.title, description: task.description, due: task.due, done: 0, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow()
      try {
        if (record === undefined) return await insert(db)
        return await db.transaction().execute(async (trx) => {
          const row = await insert(trx)
          await record(trx, row)
          return row
        })
      } catch (error) {
        // The owner was deleted after their token was checked: answered like their token on the next request.
        if (isForeignKeyViolation(error)) throw new ApiError(401, 'invalid_token', 'The access token is invalid')
        throw error
      }
    },

    // Many tasks in one transaction, a thousand rows per statement: for seeding (npm run bench), where one by one is too slow.
    async createMany (tasks: NewTask[]): Promise<void> {
      const now = nowIso()
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < tasks.length; start += ROWS_PER_INSERT) {
          await trx.insertInto('tasks')
            .values(tasks.slice(start, start + ROWS_PER_INSERT).map((task) => (
              { user_id: task.userId, title: task.title, description: task.description, due: task.due, done: 0, created_at: now, updated_at: now }
            )))
            .execute()
        }
      })
    },

    // `versions`: what an If-Match allows; checked in the same statement as the change. Undefined when none was stated.
    async update (id: number, changes: TaskChanges, versions?: AllowedVersions): Promise<TaskRow | undefined> {
      return await onlyAt(db.updateTable('tasks')
        .set((eb) => ({ ...changes, updated_at: nowIso(), version: eb('version', '+', 1) }))
        .where('id', '=', id), versions)
        .returningAll()
        .executeTakeFirst()
    },

    async setDone (id: number, done: boolean, versions?: AllowedVersions): Promise<TaskRow | undefined> {
      return await onlyAt(db.updateTable('tasks')
        .set((eb) => ({ done: done ? 1 : 0, updated_at: nowIso(), version: eb('version', '+', 1) }))
        .where('id', '=', id), versions)
        .returningAll()
        .executeTakeFirst()
    },

    // True when the task was deleted.
    async remove (id: number, versions?: AllowedVersions): Promise<boolean> {
      const result = await onlyAt(db.deleteFrom('tasks').where('id', '=', id), versions).executeTakeFirst()
      return result.numDeletedRows > 0n
    }
  }
}

export default fp(async function tasksRepository (fastify) {
  fastify.decorate('tasks', createTasksRepository(fastify.db))
}, { name: 'tasks-repository', dependencies: ['db'] })
