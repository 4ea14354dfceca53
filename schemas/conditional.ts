// The headers of conditional requests (RFC 9110 section 13) and of safe retries (Idempotency-Key), as routes declare them.
import { Type, type TSchema } from '@sinclair/typebox'
import { withHeaders } from './common.js'

export const EntityTagHeaderSchema = Type.String({
  description: 'This representation\'s entity tag (RFC 9110 section 8.8.3); send it back in If-None-Match (reads) or If-Match (writes)',
  examples: ['"t42.3"']
})

export const CacheControlHeaderSchema = Type.String({
  description: 'private, no-cache: a client may keep the answer but must revalidate it (If-None-Match) before using it',
  examples: ['private, no-cache']
})

// RFC 9110 section 15.4.5: a 304 carries the ETag and Cache-Control that the 200 would have.
export function notModifiedSchema (moreHeaders: Record<string, TSchema> = {}): TSchema {
  return withHeaders(
    Type.Null({ description: 'Not Modified: the If-None-Match names the current representation; no body' }),
    { etag: EntityTagHeaderSchema, 'cache-control': CacheControlHeaderSchema, ...moreHeaders }
  )
}

export const NotModifiedSchema = notModifiedSchema()

const IfNoneMatchSchema = Type.String({ description: 'Entity tags the client holds (weak comparison), or *; a match answers 304 without a body', examples: ['"t42.3"'] })
const IfMatchSchema = Type.String({ description: 'The task\'s entity tag (strong comparison), or *; when it no longer matches, 412 precondition_failed and nothing changes', examples: ['"t42.3"'] })
export const IdempotencyKeySchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[\\x20-\\x7E]+$',
  description: 'A client-chosen key (1 to 255 printable ASCII characters): a retry with the same key and body within 24 hours answers the first answer again',
  examples: ['7f4c2a9e-create-milk']
})

// Request headers a route reads; other headers are allowed (a request carries many).
function requestHeaders (properties: Record<string, TSchema>): TSchema {
  return Type.Object(properties, { additionalProperties: true })
}

export const ConditionalReadHeadersSchema = requestHeaders({ 'if-none-match': Type.Optional(IfNoneMatchSchema) })
export const ConditionalWriteHeadersSchema = requestHeaders({ 'if-match': Type.Optional(IfMatchSchema) })
export const IdempotentCreateHeadersSchema = requestHeaders({ 'idempotency-key': Type.Optional(IdempotencyKeySchema) })
