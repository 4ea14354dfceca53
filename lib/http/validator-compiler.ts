// Bodies are validated as sent (no coercion, no stripping of unknown keys). Path and query strings become
// integers only when they are plain decimal digits, so "0x10", "1e3" or " 5" are refused rather than reinterpreted,
// and booleans only when they are exactly "true" or "false".
import AjvModule, { type ValidateFunction } from 'ajv'
import formatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'
import { isIsoDateOrDateTime } from '../dates.js'

const Ajv = AjvModule.default
const addFormats = formatsModule.default

const DECIMAL_INTEGER = /^-?\d{1,16}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>
}

function createAjv () {
  const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false })
  addFormats(ajv)
  // A UUID as the document means it (RFC 9562's string form): ajv-formats also takes a "urn:uuid:" prefix, which
  // would pass validation and then name no user.
  ajv.addFormat('uuid', UUID)
  // `due`: a date or date-time (anyOf of the standard formats) that parses and falls in the UTC years 0001 to 9999.
  ajv.addKeyword({ keyword: 'x-within-utc-years', type: 'string', errors: false, validate: (_range: unknown, value: string) => isIsoDateOrDateTime(value) })
  return ajv
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false }

function keysOfType (schema: ObjectSchema, type: string): string[] {
  return Object.entries(schema.properties ?? {}).filter(([, property]) => property.type === type).map(([key]) => key)
}

function withStrictScalars (schema: ObjectSchema, validate: ValidateFunction): ValidateFunction {
  const integerKeys = keysOfType(schema, 'integer')
  const booleanKeys = keysOfType(schema, 'boolean')
  if (integerKeys.length === 0 && booleanKeys.length === 0) return validate
  const coerceThenValidate = function (data: Record<string, unknown>) {
    for (const key of integerKeys) {
      const value = data?.[key]
      if (typeof value === 'string' && DECIMAL_INTEGER.test(value)) data[key] = Number(value)
    }
    for (const key of booleanKeys) {
      const value = data?.[key]
      if (typeof value === 'string' && Object.hasOwn(BOOLEANS, value)) data[key] = BOOLEANS[value]
    }
    const valid = validate(data)
    coerceThenValidate.errors = validate.errors
    return valid
  } as ValidateFunction
  return coerceThenValidate
}

export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  const ajv = createAjv()
  return function compileValidator ({ schema, httpPart }) {
    const validate = ajv.compile(schema as object)
    return httpPart === 'body' ? validate : withStrictScalars(schema as ObjectSchema, validate)
  }
}
