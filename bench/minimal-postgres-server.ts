// The control for the cache-off scenario on PostgreSQL: the two statements an authenticated GET /todo must run there
// (the session + user row, read on every request since instances do not tell each other about commits, then 21 rows
// of the page), as the service compiles and prepares them (named, lib/database/postgres-statements.ts), through the
// same driver (pg) with the service's pool settings, and bench/minimal-page.ts. No Kysely, no framework plugins, no
// hooks: what is left of the service's CPU is overhead.
import Fastify from 'fastify'
import pg from 'pg'
import { CONNECT_TIMEOUT_MS, QUERY_TIMEOUT_MS, STATEMENT_TIMEOUT_MS } from '../lib/database/database.js'
import { claimsOf, isActive, PAGE_SIZE, sendPage, type Owner, type TaskRow } from './minimal-page.js'

const SESSION_WITH_OWNER = 'select "sessions"."id" as "sessionId", "sessions"."revoked_at" as "revokedAt", "sessions"."expires_at" as "expiresAt", ' +
  '"sessions"."credential_version" as "sessionCredentialVersion", "users"."credential_version" as "credentialVersion", "users"."id" as "userId", ' +
  '"users"."username", "users"."name", "users"."role", "users"."disabled", "users"."created_at" as "createdAt", "users"."tasks_version" as "tasksVersion" ' +
  'from "sessions" inner join "users" on "users"."id" = "sessions"."user_id" where "sessions"."id" = $1'
const FIRST_PAGE = 'select * from "tasks" where "user_id" = $1 order by "due" asc, "id" asc limit $2'

const pool = new pg.Pool({
  connectionString: process.env.POSTGRES_URL,
  max: Number(process.env.POOL_SIZE ?? 10),
  statement_timeout: STATEMENT_TIMEOUT_MS,
  query_timeout: QUERY_TIMEOUT_MS,
  connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  idleTimeoutMillis: 30_000
})

const server = Fastify({ logger: false })
server.get('/todo', async function minimalPage (request, reply) {
  const claims = claimsOf(request.headers.authorization ?? '')
  const owner = (await pool.query<Owner>({ name: 'session_with_owner', text: SESSION_WITH_OWNER, values: [claims.sid] })).rows[0]
  if (!isActive(owner, claims)) return await reply.code(401).send()
  return await sendPage(reply, (await pool.query<TaskRow>({ name: 'first_page', text: FIRST_PAGE, values: [owner.userId, PAGE_SIZE + 1] })).rows)
})
server.get('/ready', async function ready () { return 'ok' })
server.addHook('onClose', async () => { await pool.end() })
await server.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' })
