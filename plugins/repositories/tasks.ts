// SQL for tasks: keyset-paginated lists by due date, the newest few, and single-task reads and writes.
import fp from 'fastify-plugin'
import type { Kysely, Selectable, Transaction } from 'kysely'
import { ApiError } from '../../lib/api-error.js'
import type { TaskPosition } from '../../lib/listing/cursor.js'
import { isForeignKeyViolation, postgresPoolOf } from '../../lib/database/database.js'
import type { Database, TasksTable } from '../../lib/database/database-types.js'
import { nowIso } from '../../lib/dates.js'
import { reusableQuery } from '../../lib/database/reusable-query.js'
import { groupedTaskWrites } from './task-groups.js'
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

// What a single-task write is limited to: its owner (undefined: any owner) and the versions an If-Match allows.
export interface WriteScope {
  ownerId?: string
  versions?: AllowedVersions
}

// Conditional writes compiled once per shape for up to this many If-Match versions; more (rare) are built each time.
const REUSED_VERSION_COUNT = 4

type ChangedColumn = keyof TaskChanges | 'done'
type ReusedWrite<Row> = (...args: unknown[]) => Promise<Row[]>

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

  const findById = reusableQuery(db, (id: number) => db.selectFrom('tasks').selectAll().where('id', '=', id))

  const insertWith = (executor: Kysely<Database>, userId: string, title: string, description: string, due: string, now: string) => executor.insertInto('tasks')
    .values({ user_id: userId, title, description, due, done: 0, created_at: now, updated_at: now })
    .returningAll()
  const insertOne = reusableQuery(db, (userId: string, title: string, description: string, due: string, now: string) => insertWith(db, userId, title, description, due, now))
  // On PostgreSQL an owner's writes go in groups (task-groups.ts).
  const groups = postgresPoolOf(db) === undefined ? undefined : groupedTaskWrites(db)
  const insert = async (userId: string, title: string, description: string, due: string, now: string): Promise<TaskRow> =>
    groups === undefined ? (await insertOne(userId, title, description, due, now))[0] as TaskRow : await groups.insert(userId, { title, description, due, now })

  // The single-task writes, one compiled query per shape (columns changed, owner or not, number of versions).
  const writes = new Map<string, ReusedWrite<unknown>>()
  function reusedFor<Row> (shape: string, make: () => ReusedWrite<Row>, versionCount: number): ReusedWrite<Row> {
    if (versionCount > REUSED_VERSION_COUNT) return make()
    let reused = writes.get(shape) as ReusedWrite<Row> | undefined
    if (reused === undefined) {
      reused = make()
      writes.set(shape, reused)
    }
    return reused
  }

  // Markers stand for the values when a shape is compiled: `owned` and `versionCount` say which conditions it has.
  function inScope<Q extends { where: (...args: any[]) => any }> (query: Q, ownerId: unknown, versions: unknown[], owned: boolean, versionCount: number): Q {
    let scoped = query
    if (owned) scoped = scoped.where('user_id', '=', ownerId)
    if (versionCount > 0) scoped = scoped.where('version', 'in', versions)
    return scoped
  }

  async function write (id: number, columns: ChangedColumn[], values: unknown[], { ownerId, versions = [] }: WriteScope): Promise<TaskRow | undefined> {
    const scope = [ownerId !== undefined, versions.length] as const
    const run = reusedFor(`update ${columns.join(',')} ${scope.join(' ')}`, () => reusableQuery(db, (...args: unknown[]) => {
      const [taskId, now, owner] = args
      const changed = Object.fromEntries(columns.map((column, index) => [column, args[3 + index]]))
      const query = db.updateTable('tasks')
        .set((eb) => ({ ...changed, updated_at: now as string, version: eb('version', '+', 1) }))
        .where('id', '=', taskId as number)
      return inScope(query, owner, args.slice(3 + columns.length), ...scope).returningAll()
    }), scope[1])
    return (await run(id, nowIso(), ownerId, ...values, ...versions))[0]
  }

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
      return (await findById(id))[0]
    },

    // `record`, when given, runs in the insert's transaction (the Idempotency-Key's answer is stored with the task).
    async create (task: NewTask, record?: (trx: Transaction<Database>, row: TaskRow) => Promise<void>): Promise<TaskRow> {
      const now = nowIso()
      const values = [task.userId, task.title, task.description, task.due, now] as const
      try {
        if (record === undefined) return await insert(...values)
        return await db.transaction().execute(async (trx) => {
          const row = await insertWith(trx, ...values).executeTakeFirstOrThrow()
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

    // Undefined when no task is in `scope` (gone, another owner's, or not at a version the If-Match allows); the
    // scope is checked in the same statement as the change.
    async update (id: number, changes: TaskChanges, scope: WriteScope = {}): Promise<TaskRow | undefined> {
      if (groups !== undefined && scope.ownerId !== undefined) {
        return await groups.edit(scope.ownerId, { id, ...changes, versions: scope.versions ?? [], now: nowIso() })
      }
      const columns = (Object.keys(changes) as Array<keyof TaskChanges>).filter((column) => changes[column] !== undefined).sort()
      return await write(id, columns, columns.map((column) => changes[column]), scope)
    },

    async setDone (id: number, done: boolean, scope: WriteScope = {}): Promise<TaskRow | undefined> {
      if (groups !== undefined && scope.ownerId === undefined) return await groups.mark({ id, done, versions: scope.versions ?? [], now: nowIso() })
      return await write(id, ['done'], [done ? 1 : 0], scope)
    },

    // True when the task was deleted.
    async remove (id: number, { ownerId, versions = [] }: WriteScope = {}): Promise<boolean> {
      const scope = [ownerId !== undefined, versions.length] as const
      const rows = await reusedFor(`delete ${scope.join(' ')}`, () => reusableQuery(db, (...args: unknown[]) =>
        inScope(db.deleteFrom('tasks').where('id', '=', args[0] as number), args[1], args.slice(2), ...scope).returning('id')
      ), scope[1])(id, ownerId, ...versions)
      return rows.length > 0
    }
  }
}

export default fp(async function tasksRepository (fastify) {
  fastify.decorate('tasks', createTasksRepository(fastify.db))
}, { name: 'tasks-repository', dependencies: ['db'] })
