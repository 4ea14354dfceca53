// npm test: builds, then runs the tap suite on in-memory SQLite and again on a fresh PostgreSQL database made for this run.
// Arguments (test files, tap flags) go to both runs. Without PostgreSQL the second run fails in CI and is skipped, loudly, elsewhere.
import { spawnSync } from 'node:child_process'
import pg from 'pg'

const args = process.argv.slice(2)
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const env = { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1' }

function tap (extraEnv, label) {
  console.log(`\n=== tap on ${label}`)
  return spawnSync('npx', ['tap', ...args], { stdio: 'inherit', env: { ...env, ...extraEnv } }).status ?? 1
}

async function withAdminClient (fn) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

// Tests that start real server processes run the compiled server.
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)

const sqliteStatus = tap({}, 'SQLite (in memory)')

const database = `todo_test_${Date.now()}_${process.pid}`
let postgresStatus
try {
  await withAdminClient((client) => client.query(`create database ${database}`))
} catch (error) {
  // The service's own masking (built above): every password form, not only user:password@.
  const { redactUrl } = await import('../dist/lib/url-redaction.js')
  const message = `PostgreSQL at ${redactUrl(adminUrl)} cannot be reached (${error.message})`
  if (process.env.CI) {
    console.error(`\nFATAL: ${message}; the PostgreSQL run is mandatory in CI`)
    process.exit(1)
  }
  console.error(`\n!!! SKIPPED the PostgreSQL run: ${message}. Start PostgreSQL or set TEST_DATABASE_URL. !!!\n`)
  process.exit(sqliteStatus)
}
try {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  postgresStatus = tap({ TEST_POSTGRES_URL: url.toString() }, `PostgreSQL (database ${database})`)
} finally {
  await withAdminClient((client) => client.query(`drop database if exists ${database} with (force)`))
}
process.exit(sqliteStatus !== 0 ? sqliteStatus : postgresStatus)
