// Entity tags (RFC 9110 section 8.8.3) and the two conditional headers the API evaluates, If-None-Match and If-Match.
import { hash } from 'node:crypto'

// An opaque-tag per entity-tag of a header's list, with whether it was weak; `*` is reported apart.
interface EntityTagList {
  any: boolean
  tags: Array<{ weak: boolean, opaque: string }>
}

const ENTITY_TAG = /(W\/)?("[^"]*")/g

function parseList (header: string): EntityTagList {
  if (header.trim() === '*') return { any: true, tags: [] }
  const tags: EntityTagList['tags'] = []
  for (const match of header.matchAll(ENTITY_TAG)) tags.push({ weak: match[1] !== undefined, opaque: match[2] })
  return { any: false, tags }
}

// The strong tag of exact bytes: any change to a representation changes it.
export function contentEntityTag (body: string | Buffer): string {
  return `"${hash('sha1', body, 'base64url')}"`
}

// A task's tag names its id and version, so If-Match can be checked in the same statement as the write.
export function taskEntityTag (id: number, version: number): string {
  return `"t${id}.${version}"`
}

// If-None-Match uses the weak comparison: W/"x" matches "x"; `*` matches any current representation.
export function noneMatchFails (header: string | undefined, current: string): boolean {
  if (header === undefined) return false
  // What a client sends back most: the one tag it was given.
  if (header === current) return true
  const { any, tags } = parseList(header)
  if (any) return true
  const opaque = current.startsWith('W/') ? current.slice(2) : current
  return tags.some((tag) => tag.opaque === opaque)
}

// The versions of task `id` that an If-Match allows (strong comparison: weak tags never match);
// 'any' when the header is absent or `*`, an empty list when nothing in it can match.
export function versionsAllowedByIfMatch (header: string | undefined, id: number): number[] | 'any' {
  if (header === undefined) return 'any'
  const { any, tags } = parseList(header)
  if (any) return 'any'
  const versions: number[] = []
  const prefix = `"t${id}.`
  for (const tag of tags) {
    if (tag.weak || !tag.opaque.startsWith(prefix)) continue
    const version = tag.opaque.slice(prefix.length, -1)
    if (/^[1-9]\d{0,9}$/.test(version)) versions.push(Number(version))
  }
  return versions
}
