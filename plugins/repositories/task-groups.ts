// PostgreSQL: one owner's task writes that arrive together go in one statement (lib/database/grouped-writes.ts). Every
// write of a task moves its owner's tasks_version, a row PostgreSQL keeps locked until commit: one statement at a
// time, the writes would wait for each other's commit, a wake-up each; in a group the owner's row is taken once.
import { sql, type Compilable, type Kysely, type RawBuilder, type Selectable } from 'kysely'
import type { Database, TasksTable } from '../../lib/database/database-types.js'
import { groupedWrites } from '../../lib/database/grouped-writes.js'
import { reusableQuery } from '../../lib/database/reusable-query.js'

type TaskRow = Selectable<TasksTable>

export interface NewTaskValues {
  title: string
  description: string
  due: string
  now: string
}

export interface TaskEdit {
  id: number
  title?: string
  description?: string
  due?: string
  // The versions an If-Match allows; empty: any.
  versions: readonly number[]
  now: string
}

export interface TaskMark {
  id: number
  done: boolean
  versions: readonly number[]
  now: string
}

// An If-Match's versions as the statements take them: comma-separated, or null for any.
function versionList (versions: readonly number[]): string | null {
  return versions.length === 0 ? null : versions.join(',')
}

// The group's tasks (those that also meet `onlyIf`), locked in id order before anything changes: the CTE `locked`.
function lockedInIdOrder (ids: number[], onlyIf: RawBuilder<unknown> = sql`true`): RawBuilder<unknown> {
  return sql`locked as (
    select array_agg(id) as ids from (select id from tasks where id = any(cast(${ids} as int[])) and ${onlyIf} order by id for no key update) as taken
  )`
}

const IS_LOCKED = sql`tasks.id = any(cast((select ids from locked) as int[]))`

// A task at one of the versions its write's If-Match allows (comma-separated; null: any).
const IF_MATCH_ALLOWS = sql`(edit.versions is null or tasks.version = any(cast(string_to_array(edit.versions, ',') as int[])))`

// Each write's row (undefined: not changed), in the writes' order.
function inOrderOf (group: ReadonlyArray<{ id: number }>, rows: TaskRow[]): Array<TaskRow | undefined> {
  const changed = new Map(rows.map((row) => [row.id, row]))
  return group.map(({ id }) => changed.get(id))
}

export function groupedTaskWrites (db: Kysely<Database>) {
  // Rows are inserted, and returned, in the arrays' order.
  const insertGroup = reusableQuery(db, (userId: string, titles: string[], descriptions: string[], dues: string[], nows: string[]) => db.insertInto('tasks')
    .columns(['user_id', 'title', 'description', 'due', 'done', 'created_at', 'updated_at'])
    .expression(db.selectNoFrom([
      sql<string>`cast(${userId} as text)`.as('user_id'),
      sql<string>`unnest(cast(${titles} as text[]))`.as('title'),
      sql<string>`unnest(cast(${descriptions} as text[]))`.as('description'),
      sql<string>`unnest(cast(${dues} as text[]))`.as('due'),
      sql<number>`0`.as('done'),
      sql<string>`unnest(cast(${nows} as text[]))`.as('created_at'),
      sql<string>`unnest(cast(${nows} as text[]))`.as('updated_at')
    ]))
    .returningAll())

  // No two writes may wait for each other: every write takes its tasks before their owner's row (the owner's version
  // moves in AFTER triggers, which run once the statement has changed its rows), and a group takes its tasks in id
  // order (locked first), whatever plan PostgreSQL picks, so two instances' groups never take them in opposite orders.
  // A null column is left as it is; a task not at one of its allowed versions is not changed.
  // Planned at every call: a plan kept from when the table was small scans it whole (seen: 0.8 ms a PUT once it held
  // 20,000 tasks). `(owner check) is true` keeps the owner off the index, so the primary key finds the ids, however
  // many tasks the owner has (by tasks_user_due the planner would walk all of them).
  const updateGroup = reusableQuery(db, (ownerId: string, ids: number[], titles: Array<string | null>, descriptions: Array<string | null>,
    dues: Array<string | null>, versions: Array<string | null>, nows: string[]): Compilable<TaskRow> => ({
    compile: () => sql<TaskRow>`with ${lockedInIdOrder(ids, sql`(user_id = cast(${ownerId} as text)) is true`)}
      update tasks set
        title = coalesce(edit.title, tasks.title),
        description = coalesce(edit.description, tasks.description),
        due = coalesce(edit.due, tasks.due),
        updated_at = edit.updated_at,
        version = tasks.version + 1
      from unnest(cast(${ids} as int[]), cast(${titles} as text[]), cast(${descriptions} as text[]), cast(${dues} as text[]),
        cast(${versions} as text[]), cast(${nows} as text[])) as edit (id, title, description, due, versions, updated_at)
      where tasks.id = edit.id and ${IS_LOCKED} and (tasks.user_id = cast(${ownerId} as text)) is true and ${IF_MATCH_ALLOWS}
      returning tasks.*`.compile(db)
  }), { plannedEachTime: true })

  // Marks, of any owner's tasks: the tasks are locked first, in id order, then their owners, in id order, and only then
  // changed, so that two groups never take two owners in opposite orders.
  const markGroup = reusableQuery(db, (ids: number[], dones: number[], versions: Array<string | null>, nows: string[]): Compilable<TaskRow> => ({
    compile: () => sql<TaskRow>`with ${lockedInIdOrder(ids)}, owners as (
        select count(*) as count from (
          select id from users where id in (select user_id from tasks where ${IS_LOCKED}) order by id for no key update
        ) as taken
      )
      update tasks set done = edit.done, updated_at = edit.updated_at, version = tasks.version + 1
      from unnest(cast(${ids} as int[]), cast(${dones} as int[]), cast(${versions} as text[]), cast(${nows} as text[]))
        as edit (id, done, versions, updated_at)
      where tasks.id = edit.id and ${IS_LOCKED} and (select count from owners) >= 0 and ${IF_MATCH_ALLOWS}
      returning tasks.*`.compile(db)
  }), { plannedEachTime: true })

  const inserts = groupedWrites<NewTaskValues, TaskRow>(async (userId, tasks) => await insertGroup(
    userId, tasks.map((task) => task.title), tasks.map((task) => task.description), tasks.map((task) => task.due), tasks.map((task) => task.now)
  ))

  // One edit per task in a group: two edits of one task are made one after the other, as they arrived.
  const edits = groupedWrites<TaskEdit, TaskRow | undefined>(async (ownerId, group) => {
    const rows = await updateGroup(ownerId, group.map((edit) => edit.id), group.map((edit) => edit.title ?? null),
      group.map((edit) => edit.description ?? null), group.map((edit) => edit.due ?? null),
      group.map((edit) => versionList(edit.versions)), group.map((edit) => edit.now))
    return inOrderOf(group, rows)
  }, (edit) => edit.id)

  const marks = groupedWrites<TaskMark, TaskRow | undefined>(async (_key, group) => {
    const rows = await markGroup(group.map((mark) => mark.id), group.map((mark) => mark.done ? 1 : 0),
      group.map((mark) => versionList(mark.versions)), group.map((mark) => mark.now))
    return inOrderOf(group, rows)
  }, (mark) => mark.id)

  return {
    insert: async (userId: string, task: NewTaskValues): Promise<TaskRow> => await inserts(userId, task),
    // Undefined when the owner has no such task at an allowed version.
    edit: async (ownerId: string, edit: TaskEdit): Promise<TaskRow | undefined> => await edits(ownerId, edit),
    // Every instance's marks form one queue, whoever makes them. Undefined when no such task is at an allowed version.
    mark: async (mark: TaskMark): Promise<TaskRow | undefined> => await marks('', mark)
  }
}
