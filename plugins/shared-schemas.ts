// Schemas referenced by $id from many routes, and every request body and nested object: each becomes a named
// component of the OpenAPI document, so generated clients get a named type for it.
import fp from 'fastify-plugin'
import { ErrorSchema } from '../schemas/common.js'
import { ErrorCodeSchema } from '../schemas/error-codes.js'
import { RefreshBodySchema } from '../schemas/sessions.js'
import { CreateTaskBodySchema, TaskSchema, UpdateTaskBodySchema } from '../schemas/todo.js'
import {
  ChangePasswordBodySchema, JwkSchema, JwksSchema, LoginBodySchema, ManagedUserSchema, MessageSchema, RegisterBodySchema,
  TokenPairSchema, UpdateUserBodySchema, UserSchema
} from '../schemas/users.js'

export const SHARED_SCHEMAS = [
  ErrorCodeSchema, ErrorSchema, UserSchema, ManagedUserSchema, TaskSchema, TokenPairSchema, MessageSchema, JwkSchema, JwksSchema,
  RegisterBodySchema, LoginBodySchema, RefreshBodySchema, ChangePasswordBodySchema, CreateTaskBodySchema, UpdateTaskBodySchema,
  UpdateUserBodySchema
]

export default fp(async function sharedSchemas (fastify) {
  for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema)
}, { name: 'shared-schemas' })
