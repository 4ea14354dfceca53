// GET /todo's pages as they were sent (bytes, ETag, Link), each with the owner's tasks_version it was made at: a write
// anywhere moves that version in the database, so an old page is never served again, and the next page made under
// its key replaces it (a page per key, not per version, so pages gone stale do not fill the bound). Bounded in bytes, LRU.
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'

export interface CachedPage {
  // The owner's tasks_version the page was made at.
  version: number
  // Bytes, not text: sent as they are, with no encoding on each answer.
  body: Buffer
  etag: string
  link: string | undefined
}

// What a page costs besides its bytes (the entry, its key and headers), counted so the bound holds.
const ENTRY_OVERHEAD_BYTES = 200

export interface PageCache {
  // The page kept under `key` if it was made at `version`.
  get: (key: string, version: number) => CachedPage | undefined
  set: (key: string, page: CachedPage) => void
  // Bytes held now, never above the configured bound.
  readonly size: number
}

declare module 'fastify' {
  interface FastifyInstance {
    pageCache: PageCache | undefined
  }
}

// A page's own bytes: Buffer.from would cut a small page from a shared 8 KiB pool slab, which it would keep alive
// beyond what the bound counts.
export function pageBytes (json: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json))
  bytes.write(json)
  return bytes
}

export function createPageCache (maxBytes: number): PageCache {
  const pages = new LRUCache<string, CachedPage>({
    maxSize: maxBytes,
    sizeCalculation: (page, key) => page.body.length + key.length * 2 + page.etag.length + (page.link?.length ?? 0) + ENTRY_OVERHEAD_BYTES
  })
  return {
    get (key, version) {
      const page = pages.get(key)
      return page?.version === version ? page : undefined
    },
    // A page larger than the whole bound is simply not kept (lru-cache refuses it).
    set: (key, page) => { pages.set(key, page) },
    get size () { return pages.calculatedSize }
  }
}

export default fp(async function pageCache (fastify) {
  const { pageCacheBytes } = fastify.config
  fastify.decorate('pageCache', pageCacheBytes > 0 ? createPageCache(pageCacheBytes) : undefined)
}, { name: 'page-cache', dependencies: ['config'] })
