// The OpenAPI document shows the conditional-request and Idempotency-Key headers and their statuses (API.md, HTTP semantics).
import { test } from 'tap'
import { build } from '../helper.js'

interface Operation {
  parameters?: Array<{ in: string, name: string }>
  responses: Record<string, { headers?: Record<string, unknown> }>
}

test('conditional reads, conditional writes and idempotent creates are in the document', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(response.statusCode, 200)
  const paths = response.json().paths as Record<string, Record<string, Operation>>
  const headerParameters = (operation: Operation) => (operation.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name)

  for (const [path, method] of [['/todo', 'get'], ['/todo/ASC', 'get'], ['/todo/DESC', 'get'], ['/todo/{id}', 'get'], ['/profile', 'get']]) {
    const operation = paths[path][method]
    t.same(headerParameters(operation), ['if-none-match'], `${method} ${path} takes If-None-Match`)
    t.ok(operation.responses['304'], `${method} ${path} may answer 304`)
    t.hasOwnProps(operation.responses['200'].headers ?? {}, ['etag', 'cache-control'], `${method} ${path} sends ETag and Cache-Control`)
  }
  for (const [path, method] of [['/todo/{id}', 'put'], ['/todo/{id}', 'delete'], ['/todo/mark/{id}/{status}', 'put']]) {
    const operation = paths[path][method]
    t.same(headerParameters(operation), ['if-match'], `${method} ${path} takes If-Match`)
    t.ok(operation.responses['412'], `${method} ${path} may answer 412`)
  }
  const create = paths['/todo'].post
  t.same(headerParameters(create), ['idempotency-key'])
  t.hasOwnProps(create.responses['201'].headers ?? {}, ['location', 'etag'])
  t.ok(create.responses['409'] !== undefined && create.responses['422'] !== undefined, 'POST /todo may answer 409 and 422')
})
