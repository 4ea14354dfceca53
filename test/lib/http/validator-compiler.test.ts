// Bodies are validated as sent; path, query and headers are strings on the wire and are coerced.
import { test } from 'tap'
import Fastify from 'fastify'
import type { ErrorObject } from 'ajv'
import { createValidatorCompiler } from '../../../lib/http/validator-compiler.js'

type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

interface Validator {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}

const CountSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer' },
    limit: { type: 'integer', default: 20 }
  },
  additionalProperties: false
}

function validatorFor (httpPart: HttpPart, schema: object = CountSchema): Validator {
  const compile = createValidatorCompiler()
  return compile({ schema, httpPart, method: 'POST', url: '/' }) as unknown as Validator
}

test('body: "5" for an integer fails, and is left as sent', async (t) => {
  const validate = validatorFor('body')
  const body: Record<string, unknown> = { count: '5' }
  t.equal(validate(body), false)
  t.match(validate.errors, [{ keyword: 'type', instancePath: '/count', params: { type: 'integer' } }])
  t.same(body, { count: '5', limit: 20 }, 'not coerced')
})

test('body: an unknown key fails and is not stripped', async (t) => {
  const validate = validatorFor('body')
  const body: Record<string, unknown> = { count: 5, role: 'admin' }
  t.equal(validate(body), false)
  t.match(validate.errors, [{ keyword: 'additionalProperties', params: { additionalProperty: 'role' } }])
  t.equal(body.role, 'admin', 'still there')
})

test('body: a valid body passes and gets its defaults', async (t) => {
  const validate = validatorFor('body')
  const body: Record<string, unknown> = { count: 5 }
  t.equal(validate(body), true)
  t.equal(validate.errors, null)
  t.same(body, { count: 5, limit: 20 })
})

test('querystring: "5" is coerced to 5', async (t) => {
  const validate = validatorFor('querystring')
  const query: Record<string, unknown> = { count: '5' }
  t.equal(validate(query), true)
  t.same(query, { count: 5, limit: 20 })
  t.equal(typeof query.count, 'number')
})

test('querystring: coercion does not make a number of anything', async (t) => {
  const validate = validatorFor('querystring')
  t.equal(validate({ count: 'abc' }), false)
  t.match(validate.errors, [{ keyword: 'type', instancePath: '/count' }])
  t.equal(validate({ count: '5.5' }), false, 'not an integer')
  t.equal(validate({ count: '5', extra: '1' }), false, 'unknown keys still fail')
  t.match(validate.errors, [{ keyword: 'additionalProperties', params: { additionalProperty: 'extra' } }])
})

test('params and headers are coerced like the querystring', async (t) => {
  const params: Record<string, unknown> = { id: '7' }
  t.equal(validatorFor('params', { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } })(params), true)
  t.same(params, { id: 7 })
  const headers: Record<string, unknown> = { 'x-page': '3' }
  t.equal(validatorFor('headers', { type: 'object', properties: { 'x-page': { type: 'integer' } } })(headers), true)
  t.same(headers, { 'x-page': 3 })
})

test('due: anyOf of the standard date and date-time formats, and x-within-utc-years, in both parts', async (t) => {
  const due = { type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }], 'x-within-utc-years': '0001-9999' }
  const schema = { type: 'object', properties: { due } }
  for (const part of ['body', 'querystring'] as const) {
    const validate = validatorFor(part, schema)
    t.equal(validate({ due: '2026-12-01' }), true, `${part}: a date`)
    t.equal(validate({ due: '2026-12-01T09:30:00+01:00' }), true, `${part}: a date-time with offset`)
    t.equal(validate({ due: '2026-02-30' }), false, `${part}: an impossible date`)
    t.equal(validate({ due: 'tomorrow' }), false, `${part}: not a date`)
    t.equal(validate({ due: '0000-06-15' }), false, `${part}: year 0000`)
    t.equal(validate({ due: '0001-01-01T00:30:00+01:00' }), false, `${part}: an offset that moves it to year 0000`)
    t.equal(validate({ due: '9999-12-31T23:00:00-05:00' }), false, `${part}: an offset that moves it to year 10000`)
    t.equal(validate({ due: '0001-01-01' }), true, `${part}: year 0001`)
  }
})

test('standard formats (uuid, date-time) are known', async (t) => {
  const validate = validatorFor('body', { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, at: { type: 'string', format: 'date-time' } } })
  t.equal(validate({ id: '5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10', at: '2026-12-01T09:30:00Z' }), true)
  t.equal(validate({ id: 'not-a-uuid' }), false)
  t.match(validate.errors, [{ keyword: 'format', params: { format: 'uuid' } }])
})

test('in a Fastify route: the body is strict while the querystring is coerced', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.setValidatorCompiler(createValidatorCompiler())
  app.post('/', {
    schema: { body: CountSchema, querystring: CountSchema }
  }, async function echo (request) {
    const query = request.query as Record<string, unknown>
    return { body: request.body, query, queryCountType: typeof query.count }
  })

  const ok = await app.inject({ method: 'POST', url: '/?count=5', payload: { count: 5 } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { body: { count: 5, limit: 20 }, query: { count: 5, limit: 20 }, queryCountType: 'number' })

  const stringCount = await app.inject({ method: 'POST', url: '/?count=5', payload: { count: '5' } })
  t.equal(stringCount.statusCode, 400)
  t.match(stringCount.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'body/count must be integer' })

  const unknownKey = await app.inject({ method: 'POST', url: '/', payload: { count: 5, role: 'admin' } })
  t.equal(unknownKey.statusCode, 400)
  t.match(unknownKey.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', message: 'body must NOT have additional properties' })
})

test('uuid: the plain form in any letter case; a "urn:uuid:" prefix is refused (it would name no user)', async (t) => {
  const validate = validatorFor('params', { type: 'object', properties: { id: { type: 'string', format: 'uuid' } } })
  t.ok(validate({ id: '5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10' }))
  t.ok(validate({ id: '5B1E3F0E-8F0A-4C6F-9A59-2F3C7F1D2A10' }))
  t.notOk(validate({ id: 'urn:uuid:5b1e3f0e-8f0a-4c6f-9a59-2f3c7f1d2a10' }))
  t.notOk(validate({ id: '5b1e3f0e8f0a4c6f9a592f3c7f1d2a10' }))
})
