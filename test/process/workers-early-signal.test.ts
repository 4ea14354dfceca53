// SIGTERM while the plugins still load (the database migrated, the server not listening yet), with WORKERS=1 and to
// the primary of WORKERS=2 while its first worker loads: a clean stop with exit code 0, no TypeError (the drain, which
// the plugins decorate, does not exist yet).
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { launchChild } from '../child-server.js'
import { freshDatabaseUrl } from '../helper.js'
import { parseLogLines } from '../worker-service.js'

const serverEntry = fileURLToPath(new URL('../../dist/server.js', import.meta.url))
// The signal may come too late (the server already listens) on a machine that loads fast: tried again, a few times.
const ATTEMPTS = 4

async function stopWhileLoading (env: Record<string, string>): Promise<{ code: number | null, output: string, early: boolean }> {
  const { child, exited, output } = launchChild({ entry: serverEntry, env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_MS: '100', ...env } })
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  // The db plugin logs "database migrated" on a fresh database, before the other plugins load and long before listen.
  const poll = setInterval(() => {
    if (parseLogLines(output()).some((line) => line.msg === 'database migrated')) {
      clearInterval(poll)
      child.kill('SIGTERM')
    }
  }, 5)
  const { code } = await exited
  clearInterval(poll)
  clearTimeout(killer)
  const lines = parseLogLines(output())
  return { code, output: output(), early: lines.some((line) => line.msg === 'stopping before the server has started') && !lines.some((line) => /listening/.test(line.msg ?? '')) }
}

for (const workers of [1, 2]) {
  test(`WORKERS=${workers}: SIGTERM while the plugins load stops cleanly, exit code 0`, async (t) => {
    let early = false
    for (let attempt = 1; attempt <= ATTEMPTS && !early; attempt++) {
      const stopped = await stopWhileLoading({ DATABASE_URL: await freshDatabaseUrl(t), WORKERS: String(workers) })
      early = stopped.early
      t.equal(stopped.code, 0, `attempt ${attempt}: exit code 0`)
      t.notMatch(stopped.output, /TypeError|Cannot read properties/, `attempt ${attempt}: no TypeError`)
      if (workers > 1) t.match(parseLogLines(stopped.output).find((line) => line.event === 'service_stopped'), { clean: true }, `attempt ${attempt}: the primary stopped cleanly`)
    }
    t.ok(early, 'the signal came while the plugins loaded, before the server listened')
  })
}
