// The control for the cache-off scenario on SQLite: the least code that does what an authenticated GET /todo must do,
// on the same SQLite file: the session + user row kept until the next commit (as the service keeps it), 21 rows of the
// page, and bench/minimal-page.ts. No framework plugins, no hooks, no schemas: what is left of the service's CPU beyond
// this is overhead.
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import { sqliteCommitCounter } from '../lib/database/sqlite-commits.js'
import { claimsOf, isActive, PAGE_SIZE, sendPage, type Owner, type TaskRow } from './minimal-page.js'

const db = new Database(process.env.SQLITE_FILE ?? '', { readonly: true })
const sessionWithOwner = db.prepare(`select sessions.id as sessionId, sessions.revoked_at as revokedAt, sessions.expires_at as expiresAt,
  users.id as userId, users.username, users.name, users.role, users.disabled, users.created_at as createdAt, users.tasks_version as tasksVersion
  from sessions inner join users on users.id = sessions.user_id where sessions.id = ?`)
const commits = sqliteCommitCounter(db)
const firstPage = db.prepare('select * from tasks where user_id = ? order by due asc, id asc limit ?')

const keptOwners = new Map<string, { commit: number | undefined, owner: Owner | undefined }>()

function ownerOf (sessionId: string): Owner | undefined {
  const commit = commits?.current()
  const kept = keptOwners.get(sessionId)
  if (kept !== undefined && kept.commit === commit && commit !== undefined) return kept.owner
  const owner = sessionWithOwner.get(sessionId) as Owner | undefined
  keptOwners.set(sessionId, { commit, owner })
  return owner
}

const server = Fastify({ logger: false })
server.get('/todo', async function minimalPage (request, reply) {
  const claims = claimsOf(request.headers.authorization ?? '')
  const owner = ownerOf(claims.sid)
  if (!isActive(owner, claims)) return await reply.code(401).send()
  return await sendPage(reply, firstPage.all(owner.userId, PAGE_SIZE + 1) as TaskRow[])
})
server.get('/ready', async function ready () { return 'ok' })
await server.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
