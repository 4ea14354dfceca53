// Schemas referenced by $id from many routes; they become named components of the OpenAPI document.
import fp from 'fastify-plugin'
import { ErrorSchema } from '../schemas/common.js'
import { TaskSchema } from '../schemas/todo.js'
import { ManagedUserSchema, TokenPairSchema, UserSchema } from '../schemas/users.js'

export default fp(async function sharedSchemas (fastify) {
  for (const schema of [ErrorSchema, UserSchema, ManagedUserSchema, TaskSchema, TokenPairSchema]) fastify.addSchema(schema)
}, { name: 'shared-schemas' })
