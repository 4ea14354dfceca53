// npm test: builds, then runs the tap suite on in-memory SQLite and again on a fresh PostgreSQL database made for this run.
// Arguments (test files, tap flags) go to both runs. Without PostgreSQL the second run fails in CI and is skipped, loudly, elsewhere.
// Each run ends with a one-screen summary (files, assertions, failures, time), and the last lines give both runs' result.
import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import pg from 'pg'

const args = process.argv.slice(2)
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const env = { ...process.env, FASTIFY_AUTOLOAD_TYPESCRIPT: '1' }

// Tests that start real server processes run the compiled server; the summary is compiled with it.
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const { TapTally, formatRun, formatTotal, passed } = await import('../dist/scripts/test-summary.js')

// tap's TAP output goes through as it comes (stdout is a pipe, so tap writes plain TAP, as in CI), and is tallied.
async function tap (extraEnv, label) {
  console.log(`\n=== tap on ${label}`)
  const startedAt = Date.now()
  const child = spawn('npx', ['tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'], env: { ...env, ...extraEnv } })
  const tally = new TapTally()
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    process.stdout.write(`${line}\n`)
    tally.line(line)
  }
  const status = child.exitCode ?? await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
  const run = tally.summary(label, status, Date.now() - startedAt)
  console.log(`\n${formatRun(run)}`)
  return run
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

function finish (runs, skippedRuns = []) {
  console.log(formatTotal(runs, skippedRuns))
  const failed = runs.find((run) => !passed(run))
  process.exit(failed === undefined ? 0 : (failed.status || 1))
}

const sqlite = await tap({}, 'SQLite (in memory)')

const database = `todo_test_${Date.now()}_${process.pid}`
try {
  await withAdminClient((client) => client.query(`create database ${database}`))
} catch (error) {
  // The service's own masking (built above): every password form, not only user:password@.
  const { redactUrl } = await import('../dist/lib/redaction/url-redaction.js')
  const message = `PostgreSQL at ${redactUrl(adminUrl)} cannot be reached (${error.message})`
  if (process.env.CI) {
    console.error(`\nFATAL: ${message}; the PostgreSQL run is mandatory in CI`)
    process.exit(1)
  }
  console.error(`\n!!! SKIPPED the PostgreSQL run: ${message}. Start PostgreSQL or set TEST_DATABASE_URL. !!!\n`)
  finish([sqlite], ['PostgreSQL'])
}
let postgres
try {
  const url = new URL(adminUrl)
  url.pathname = `/${database}`
  postgres = await tap({ TEST_POSTGRES_URL: url.toString() }, `PostgreSQL (database ${database})`)
} finally {
  await withAdminClient((client) => client.query(`drop database if exists ${database} with (force)`))
}
finish([sqlite, postgres])
