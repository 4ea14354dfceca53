// npm run build beside a running service: it compiles into a new folder and swaps the `dist` symlink in one rename,
// so the service keeps answering and a process started mid-build never loads a half-written dist/.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, lstatSync, realpathSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { startServer } from '../server-process.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const dist = `${root}dist`

test('a service keeps answering while npm run build swaps dist/ beside it', { timeout: 600_000 }, async (t) => {
  const server = await startServer({ DATABASE_URL: 'sqlite::memory:', RATE_LIMIT_GLOBAL: '100000000', MAX_EVENT_LOOP_DELAY_MS: '0' })
  t.teardown(() => server.stop())
  const runningFrom = realpathSync(dist)

  const build = spawn(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let buildOutput = ''
  build.stdout.on('data', (chunk) => { buildOutput += chunk })
  build.stderr.on('data', (chunk) => { buildOutput += chunk })
  const done = { build: false }
  const buildExit = once(build, 'exit').finally(() => { done.build = true })

  const statuses: number[] = []
  let incompleteDist = 0
  while (!done.build) {
    const health = await fetch(`${server.url}/health`)
    const listing = await fetch(`${server.url}/todo/ASC`)
    statuses.push(health.status, listing.status)
    await listing.arrayBuffer()
    await health.arrayBuffer()
    // What a process starting now would load: always a whole build.
    if (!existsSync(`${dist}/server.js`) || !existsSync(`${dist}/app.js`) || !existsSync(`${dist}/lib/config.js`)) incompleteDist++
    await sleep(100)
  }
  const [code] = await buildExit
  t.equal(code, 0, `the build succeeded: ${buildOutput}`)

  t.ok(lstatSync(dist).isSymbolicLink(), 'dist is a symlink')
  t.not(realpathSync(dist), runningFrom, 'the build swapped dist to a new folder while the service ran (the race happened)')
  t.ok(existsSync(runningFrom), 'the folder the running service loaded from is kept')
  t.ok(statuses.length >= 4, `requests were sent during the build (${statuses.length})`)
  t.same(statuses.filter((status) => status !== 200), [], 'every answer during the build was 200')
  t.equal(incompleteDist, 0, 'dist/ was never seen half-written')
  t.ok(server.isRunning(), 'the service is still running')
  const after = await fetch(`${server.url}/health`)
  t.equal(after.status, 200)
  t.match(await after.json(), { status: 'ok' })
})
