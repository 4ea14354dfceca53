// GET /todo's pages as they were sent (bytes, ETag, Link), kept under a key that names the owner's tasks_version:
// a write anywhere moves that version in the database, so an old page is never found again. Bounded in bytes, LRU.
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'

export interface CachedPage {
  body: string
  etag: string
  link: string | undefined
}

// What a page costs besides its bytes (the entry, its key and headers), counted so the bound holds.
const ENTRY_OVERHEAD_BYTES = 200

export interface PageCache {
  get: (key: string) => CachedPage | undefined
  set: (key: string, page: CachedPage) => void
  // Bytes held now, never above the configured bound.
  readonly size: number
}

declare module 'fastify' {
  interface FastifyInstance {
    pageCache: PageCache | undefined
  }
}

export function createPageCache (maxBytes: number): PageCache {
  const pages = new LRUCache<string, CachedPage>({
    maxSize: maxBytes,
    sizeCalculation: (page, key) => Buffer.byteLength(page.body) + key.length * 2 + page.etag.length + (page.link?.length ?? 0) + ENTRY_OVERHEAD_BYTES
  })
  return {
    get: (key) => pages.get(key),
    // A page larger than the whole bound is simply not kept (lru-cache refuses it).
    set: (key, page) => { pages.set(key, page) },
    get size () { return pages.calculatedSize }
  }
}

export default fp(async function pageCache (fastify) {
  const { pageCacheBytes } = fastify.config
  fastify.decorate('pageCache', pageCacheBytes > 0 ? createPageCache(pageCacheBytes) : undefined)
}, { name: 'page-cache', dependencies: ['config'] })
