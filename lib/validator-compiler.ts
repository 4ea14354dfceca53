// Bodies are validated as sent (no coercion, no stripping of unknown keys); path and query strings are coerced.
import AjvModule from 'ajv'
import formatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { isIsoDateOrDateTime } from './dates.js'

const Ajv = AjvModule.default
const addFormats = formatsModule.default

function createAjv (coerceTypes: boolean) {
  const ajv = new Ajv({ coerceTypes, removeAdditional: false, useDefaults: true, allErrors: false, strict: false })
  addFormats(ajv)
  ajv.addFormat('iso-date-or-date-time', { type: 'string', validate: isIsoDateOrDateTime })
  return ajv
}

export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv(false)
  const stringPartsAjv = createAjv(true)
  return function compileValidator ({ schema, httpPart }) {
    return (httpPart === 'body' ? bodyAjv : stringPartsAjv).compile(schema as object)
  }
}
