// What both minimal handlers (bench/minimal-server.ts on SQLite, bench/minimal-postgres-server.ts) do beside their
// queries: the token's claims remembered after the first request (as the service remembers verified tokens), and the
// page answered with the service's bytes, Link, ETag and headers.
import { hash } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import { taskCursor } from '../lib/listing/cursor.js'
import { nextTasksPageLink } from '../lib/listing/task-listing.js'

export const PAGE_SIZE = 20

interface Claims { sub: string, sid: string }
const remembered = new Map<string, Claims>()

export function claimsOf (authorization: string): Claims {
  let claims = remembered.get(authorization)
  if (claims === undefined) {
    claims = JSON.parse(Buffer.from(authorization.split('.')[1] ?? '', 'base64url').toString()) as Claims
    remembered.set(authorization, claims)
  }
  return claims
}

export interface Owner { userId: string, revokedAt: string | null, disabled: number }

export function isActive (owner: Owner | undefined, claims: Claims): owner is Owner {
  return owner !== undefined && owner.userId === claims.sub && owner.revokedAt === null && owner.disabled === 0
}

export interface TaskRow { id: number, title: string, description: string, done: number, due: string, user_id: string, created_at: string, updated_at: string }

// The headers every answer of the service carries (helmet's), fixed.
const staticHeaders: Record<string, string> = JSON.parse(process.env.STATIC_HEADERS ?? '{}')

// `rows`: the first PAGE_SIZE + 1 tasks, the last one only telling that there is a next page.
export async function sendPage (reply: FastifyReply, rows: TaskRow[]): Promise<FastifyReply> {
  const page = rows.slice(0, PAGE_SIZE)
  if (rows.length > PAGE_SIZE) {
    const last = page[PAGE_SIZE - 1] as TaskRow
    reply.header('link', nextTasksPageLink('/todo', {}, 'asc', PAGE_SIZE, taskCursor.encode({ due: last.due, id: last.id })))
  }
  const body = JSON.stringify(page.map((row) => ({
    id: row.id, title: row.title, description: row.description, done: row.done === 1, due: row.due, userId: row.user_id, createdAt: row.created_at, updatedAt: row.updated_at
  })))
  reply.headers(staticHeaders)
  reply.header('etag', `"${hash('sha1', body, 'base64url')}"`)
  return await reply.type('application/json; charset=utf-8').send(body)
}
