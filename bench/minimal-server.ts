// The control for the cache-off scenario: the least code that does what an authenticated GET /todo must do, on the
// same SQLite file: the token's claims remembered after the first request (as the service remembers verified
// tokens), the session + user row kept until the next commit (as the service keeps it), 21 rows of the page, the
// same JSON bytes, Link, ETag and headers. No framework plugins, no hooks, no schemas: what is left of the service's
// CPU beyond this is overhead.
import { hash } from 'node:crypto'
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { taskCursor } from '../lib/cursor.js'
import { sqliteCommitCounter } from '../lib/sqlite-commits.js'
import { nextTasksPageLink } from '../lib/task-listing.js'

const PAGE_SIZE = 20
const db = new Database(process.env.SQLITE_FILE ?? '', { readonly: true })
const sessionWithOwner = db.prepare(`select sessions.id as sessionId, sessions.revoked_at as revokedAt, sessions.expires_at as expiresAt,
  users.id as userId, users.username, users.name, users.role, users.disabled, users.created_at as createdAt, users.tasks_version as tasksVersion
  from sessions inner join users on users.id = sessions.user_id where sessions.id = ?`)
const commits = sqliteCommitCounter(db)
const firstPage = db.prepare('select * from tasks where user_id = ? order by due asc, id asc limit ?')
// The headers every answer of the service carries (helmet's), fixed.
const staticHeaders: Record<string, string> = JSON.parse(process.env.STATIC_HEADERS ?? '{}')

interface Claims { sub: string, sid: string }
const remembered = new Map<string, Claims>()

function claimsOf (authorization: string): Claims {
  let claims = remembered.get(authorization)
  if (claims === undefined) {
    claims = JSON.parse(Buffer.from(authorization.split('.')[1] ?? '', 'base64url').toString()) as Claims
    remembered.set(authorization, claims)
  }
  return claims
}

interface Owner { userId: string, revokedAt: string | null, disabled: number }
const keptOwners = new Map<string, { commit: number | undefined, owner: Owner | undefined }>()

function ownerOf (sessionId: string): Owner | undefined {
  const commit = commits?.current()
  const kept = keptOwners.get(sessionId)
  if (kept !== undefined && kept.commit === commit && commit !== undefined) return kept.owner
  const owner = sessionWithOwner.get(sessionId) as Owner | undefined
  keptOwners.set(sessionId, { commit, owner })
  return owner
}

interface TaskRow { id: number, title: string, description: string, done: number, due: string, user_id: string, created_at: string, updated_at: string }

const server = Fastify({ logger: false })
server.get('/todo', async function minimalPage (request, reply) {
  const claims = claimsOf(request.headers.authorization ?? '')
  const owner = ownerOf(claims.sid)
  if (owner === undefined || owner.userId !== claims.sub || owner.revokedAt !== null || owner.disabled !== 0) return await reply.code(401).send()
  const rows = firstPage.all(owner.userId, PAGE_SIZE + 1) as TaskRow[]
  const page = rows.slice(0, PAGE_SIZE)
  if (rows.length > PAGE_SIZE) {
    const last = page[PAGE_SIZE - 1]
    reply.header('link', nextTasksPageLink('/todo', {}, 'asc', PAGE_SIZE, taskCursor.encode({ due: last.due, id: last.id })))
  }
  const body = JSON.stringify(page.map((row) => ({
    id: row.id, title: row.title, description: row.description, done: row.done === 1, due: row.due, userId: row.user_id, createdAt: row.created_at, updatedAt: row.updated_at
  })))
  reply.headers(staticHeaders)
  reply.header('etag', `"${hash('sha1', body, 'base64url')}"`)
  return await reply.type('application/json; charset=utf-8').send(body)
})
server.get('/ready', async function ready () { return 'ok' })
await server.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
