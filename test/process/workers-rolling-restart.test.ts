// SIGHUP to the primary under load: the workers are replaced one at a time, each new one answering before the old one
// drains, and clients that loop on keep-alive connections (reconnecting after Connection: close) see no failed request.
import { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { loopingClients, startWorkerService } from '../worker-service.js'

test('SIGHUP: a rolling restart, one worker at a time, with no failed request and every pid new', async (t) => {
  const service = await startWorkerService({
    DATABASE_URL: await freshDatabaseUrl(t),
    SHUTDOWN_DRAIN_MS: '1000',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    RATE_LIMIT_GLOBAL: '100000000'
  })
  t.teardown(() => service.stop())
  const before = service.workerPids()
  t.equal(before.length, 2, 'two workers answer')
  const clients = loopingClients(service.url, ['/health', '/todo'], 4, 120_000)
  t.teardown(() => clients.stop())

  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const signalledAt = Date.now()
  process.kill(service.pid, 'SIGHUP')
  await service.waitForLog((line) => line.event === 'rolling_restart_done', 90_000)
  // A moment of traffic on the new workers only.
  await new Promise((resolve) => setTimeout(resolve, 500))
  await clients.stop()

  const failed = clients.outcomes.filter((outcome) => outcome.error !== undefined || outcome.status !== 200)
  t.same(failed, [], `no request failed (${clients.outcomes.length} requests, ${clients.outcomes.filter((outcome) => outcome.connectionClose).length} with Connection: close)`)
  t.ok(clients.outcomes.filter((outcome) => outcome.sentAt > signalledAt).length > 4, 'the clients kept sending during the restart')
  t.ok(clients.outcomes.some((outcome) => outcome.sentAt > signalledAt && outcome.connectionClose), 'draining workers closed keep-alive connections, and the clients reconnected')

  const after = service.workerPids()
  t.equal(after.length, 2, 'two workers answer afterwards')
  t.same(after.filter((pid) => before.includes(pid)), [], `every pid changed (${before.join(', ')} -> ${after.join(', ')})`)

  const lines = service.logLines()
  const started = lines.findIndex((line) => line.event === 'rolling_restart_started')
  const done = lines.findIndex((line) => line.event === 'rolling_restart_done')
  t.ok(started >= 0 && done > started, 'rolling_restart_started, then rolling_restart_done')
  // In between: for each old worker, a new one answers before the old one is asked to stop and exits.
  const during = lines.slice(started, done).filter((line) => line.worker === 'primary')
  const steps = during.map((line) => `${String(line.event)}:${before.includes(line.workerPid as number) ? 'old' : 'new'}`)
    .filter((step) => /^worker_(ready|exited)/.test(step))
  t.same(steps, ['worker_ready:new', 'worker_exited:old', 'worker_ready:new', 'worker_exited:old'], 'one at a time, the new one ready before the old one exits')
  t.ok(during.filter((line) => line.event === 'worker_exited').every((line) => line.expected === true && line.code === 0), 'the old workers drained and exited with code 0')
  t.equal((await service.stop()).code, 0, 'exit code 0 on SIGTERM afterwards')
})
