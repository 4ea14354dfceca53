// The service's HTTP semantics (API.md, RFC 9110) for a client generated from openapi.json with openapi-fetch:
// the next page from Link, reads revalidated with ETag/If-None-Match (304 counts as a success: the kept copy is
// current), writes guarded with If-Match, and creates made safe to retry with Idempotency-Key.
import { randomUUID } from 'node:crypto'

// The cursor of Link: <...?cursor=...>; rel="next", or undefined on the last page.
export function nextPageCursor (response: Response): string | undefined {
  const link = response.headers.get('link') ?? ''
  const target = /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1]
  return target === undefined ? undefined : new URL(target, 'http://link.invalid').searchParams.get('cursor') ?? undefined
}

// The headers of a write that must fail (412 precondition_failed) if the task changed since it was read.
export function ifMatch (response: Response): { 'if-match': string } {
  const etag = response.headers.get('etag')
  if (etag === null) throw new Error('This answer carries no ETag to send back in If-Match')
  return { 'if-match': etag }
}

// A key for one create: send the same key again only to retry that same create.
export function idempotencyKey (): { 'idempotency-key': string } {
  return { 'idempotency-key': randomUUID() }
}

interface Answer<T> { data?: T, response: Response }
interface Kept<T> { etag: string, data: T }

// Reads through a cache of representations: the kept ETag goes out in If-None-Match, a 304 answers the kept copy.
export class RevalidatingCache {
  readonly #kept = new Map<string, Kept<unknown>>()

  async read<T> (key: string, request: (header: { 'if-none-match'?: string }) => Promise<Answer<T>>): Promise<{ data: T, fromCache: boolean, response: Response }> {
    const kept = this.#kept.get(key) as Kept<T> | undefined
    const { data, response } = await request(kept === undefined ? {} : { 'if-none-match': kept.etag })
    if (response.status === 304 && kept !== undefined) return { data: kept.data, fromCache: true, response }
    if (data === undefined) throw new Error(`GET answered ${response.status}`)
    const etag = response.headers.get('etag')
    if (etag !== null) this.#kept.set(key, { etag, data })
    return { data, fromCache: false, response }
  }
}
