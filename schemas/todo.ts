// Tasks as the API shows them, and the bodies, queries and paths of the todo routes.
import { Type, type Static } from '@sinclair/typebox'
import { NO_NUL, StringEnum, TimestampSchema, UuidSchema } from './common.js'

// Task ids are 32-bit on every engine (PostgreSQL serial); a larger id can name no task and is refused as input.
export const MAX_TASK_ID = 2_147_483_647
export const DEFAULT_PAGE_SIZE = 20

export const TaskSchema = Type.Object({
  id: Type.Integer({ minimum: 1, examples: [1] }),
  title: Type.String({ examples: ['Buy milk'] }),
  description: Type.String({ examples: ['Two litres'] }),
  done: Type.Boolean(),
  due: TimestampSchema,
  userId: UuidSchema,
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema
}, { $id: 'Task', additionalProperties: false })
export type Task = Static<typeof TaskSchema>

export const TaskListSchema = Type.Array(Type.Ref(TaskSchema))

const TitleSchema = Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL, examples: ['Buy milk'] })
const DescriptionSchema = Type.String({ maxLength: 2000, pattern: NO_NUL, examples: ['Two litres'] })
// Standard formats, so generators and fuzzers know them; x-within-utc-years adds what keeps the stored form sortable:
// it parses, and its UTC year is 0001 to 9999 (lib/http/validator-compiler.ts checks it).
const DueSchema = Type.String({
  maxLength: 64,
  anyOf: [{ format: 'date' }, { format: 'date-time' }],
  'x-within-utc-years': '0001-9999',
  description: 'ISO 8601 date (YYYY-MM-DD, midnight UTC) or date-time with an offset, in the years 0001 to 9999 (UTC); stored and returned in UTC',
  examples: ['2026-12-01', '2026-12-01T09:30:00+01:00']
})

export const CreateTaskBodySchema = Type.Object({
  title: TitleSchema,
  description: Type.Optional(DescriptionSchema),
  due: Type.Optional(DueSchema)
}, { $id: 'CreateTaskBody', additionalProperties: false })
export type CreateTaskBody = Static<typeof CreateTaskBodySchema>

export const UpdateTaskBodySchema = Type.Object({
  title: Type.Optional(TitleSchema),
  description: Type.Optional(DescriptionSchema),
  due: Type.Optional(DueSchema)
}, { $id: 'UpdateTaskBody', additionalProperties: false, minProperties: 1 })
export type UpdateTaskBody = Static<typeof UpdateTaskBodySchema>

export const OrderSchema = StringEnum(['asc', 'desc'] as const)
export type Order = Static<typeof OrderSchema>

const PageQueryProperties = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: `Page size (default ${DEFAULT_PAGE_SIZE}); anonymous callers get at most PUBLIC_TODO_LIMIT` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'From the previous page\'s Link rel="next"' })),
  userId: Type.Optional(Type.String({ format: 'uuid', description: 'Admins only: list one user\'s tasks' }))
}

export const ListTasksQuerySchema = Type.Object({
  order: Type.Optional(OrderSchema),
  ...PageQueryProperties
}, { additionalProperties: false })
export type ListTasksQuery = Static<typeof ListTasksQuerySchema>

export const ListTasksInOrderQuerySchema = Type.Object(PageQueryProperties, { additionalProperties: false })

export const TaskIdParamsSchema = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: MAX_TASK_ID })
}, { additionalProperties: false })

export const MarkTaskParamsSchema = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: MAX_TASK_ID }),
  // A path segment is a string; the validator turns plain digits into a number, so clients see 0 | 1.
  status: Type.Unsafe<0 | 1>(Type.Integer({ enum: [0, 1], description: '1 done, 0 not done' }))
}, { additionalProperties: false })
