// The primary of WORKERS=2 supervising its workers: a killed worker is logged and replaced while the other one keeps
// answering; workers that keep dying stop the service (exit 1, crash_loop) instead of being restarted for ever; every
// log line says which process wrote it.
import { writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import t, { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { CRASH_FIXTURE, startWorkerService } from '../worker-service.js'

// Three services of a primary and two workers each: on a loaded machine each test may take a minute or more.
t.setTimeout(600_000)

// The status, or the error's code: one request on a connection of its own.
function getOnNewConnection (url: string, headers: Record<string, string> = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const sent = request(url, { agent: false, headers, timeout: 10_000 }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
      response.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    })
    sent.on('timeout', () => sent.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    sent.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    sent.end()
  })
}

test('kill -9 of a worker: the primary logs the exit and replaces it, the service answers all along', async (t) => {
  const service = await startWorkerService({ DATABASE_URL: await freshDatabaseUrl(t) })
  t.teardown(() => service.stop())
  const before = service.workerPids()
  t.equal(before.length, 2, 'two workers answer')
  const [victim, survivor] = before as [number, number]

  // Clients keep asking, a new connection each time (a keep-alive connection to the killed worker dies with it),
  // while the worker dies and its replacement starts.
  const outcomes: Array<{ status: number | string, sentAt: number }> = []
  const client = { asking: true }
  // Three of them, so that one connection lost with the killed worker (see below) does not hold the asking up.
  const askers = Promise.all([1, 2, 3].map(async () => {
    while (client.asking) {
      const sentAt = Date.now()
      outcomes.push({ sentAt, status: await getOnNewConnection(`${service.url}/health`) })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }))
  await new Promise((resolve) => setTimeout(resolve, 200))

  process.kill(victim, 'SIGKILL')
  const exited = await service.waitForLog((line) => line.event === 'worker_exited' && line.workerPid === victim)
  const noticedAt = exited.time as number
  t.match(exited, { worker: 'primary', level: 50, expected: false, signal: 'SIGKILL', code: null }, 'the primary logs the exit with its signal')
  await service.waitForLog((line) => line.event === 'worker_replaced' && line.workerId === exited.workerId)
  const replacement = await service.waitForLog((line) => line.event === 'worker_ready' && line.workerPid !== victim && line.workerPid !== survivor)
  client.asking = false
  await askers

  const after = service.workerPids()
  t.equal(after.length, 2, 'two workers again')
  t.ok(after.includes(survivor), 'the other worker was left alone')
  t.ok(after.includes(replacement.workerPid as number), `a new pid (${String(replacement.workerPid)}) replaced ${victim}`)
  t.notOk(after.includes(victim), 'the killed pid is gone')
  const failed = outcomes.filter((outcome) => outcome.status !== 200)
  t.ok(outcomes.filter((outcome) => outcome.sentAt > noticedAt && outcome.status === 200).length > 0, `the other worker answered meanwhile (${outcomes.length} requests)`)
  // A request the killed worker was answering fails, and so may one that the primary handed to it in the moment
  // before it saw the exit (Node's cluster loses that connection: the client times out). Once it has: none.
  t.same(failed.filter((outcome) => outcome.sentAt > noticedAt), [], 'no request sent after the primary saw the exit failed')
  t.ok(failed.length <= 2, `at most the requests in flight at the kill failed (${JSON.stringify(failed)})`)
  t.equal((await fetch(`${service.url}/health`)).status, 200, 'and the service still answers')
  t.equal((await service.stop()).code, 0, 'exit code 0 on SIGTERM afterwards')
})

test('every log line says which process wrote it: worker id on the workers\' lines, primary on the primary\'s', async (t) => {
  const service = await startWorkerService({ DATABASE_URL: await freshDatabaseUrl(t) })
  t.teardown(() => service.stop())
  const requestId = `which-worker-${Date.now()}`
  // node:http rather than fetch: the contract check of a fetched answer reads the OpenAPI document from the service,
  // which is stopped right after.
  t.equal(await getOnNewConnection(`${service.url}/health`, { 'x-request-id': requestId }), 200)
  const requestLine = await service.waitForLog((line) => line.reqId === requestId)
  t.ok(typeof requestLine.worker === 'number', `the request's log line names its worker (${String(requestLine.worker)})`)
  t.equal((await service.stop()).code, 0)

  const lines = service.logLines()
  t.same(lines.filter((line) => line.worker === undefined), [], 'no log line without a worker field')
  const primaryPid = service.pid
  t.ok(lines.filter((line) => line.pid === primaryPid).every((line) => line.worker === 'primary'), 'the primary\'s lines say primary')
  t.ok(lines.filter((line) => line.pid !== primaryPid).every((line) => typeof line.worker === 'number'), 'the workers\' lines say their worker id')
  const events = lines.filter((line) => line.worker === 'primary').map((line) => line.event)
  for (const event of ['service_starting', 'worker_started', 'worker_ready', 'workers_ready', 'service_stopping', 'worker_exited', 'service_stopped']) {
    t.ok(events.includes(event), `the primary logs ${event}`)
  }
  // Each worker pid in the lines is one the primary said it started.
  const started = new Set(lines.filter((line) => line.event === 'worker_started').map((line) => line.workerPid))
  const workerPids = new Set(lines.filter((line) => line.pid !== primaryPid).map((line) => line.pid))
  t.ok([...workerPids].every((pid) => started.has(pid)), 'every worker line comes from a worker the primary started')
})

test('workers that keep crashing: the primary stops the service with exit code 1 and a crash_loop log line', async (t) => {
  const marker = join(t.testdir(), 'crash-now')
  const service = await startWorkerService(
    { DATABASE_URL: await freshDatabaseUrl(t), CRASH_WORKERS_WHEN_FILE_EXISTS: marker },
    { execArgv: ['--import', CRASH_FIXTURE] }
  )
  t.teardown(() => service.stop())
  writeFileSync(marker, '')
  // Each replacement dies at once: the primary must give up within the limit, not restart for ever.
  const crashLoop = await service.waitForLog((line) => line.event === 'crash_loop', 90_000)
  t.match(crashLoop, { worker: 'primary', level: 60, msg: /crash|exited unexpectedly/ }, 'a fatal crash_loop line says why')
  const { code } = await service.stop()
  t.equal(code, 1, 'exit code 1')
  const lines = service.logLines()
  const unexpected = lines.filter((line) => line.event === 'worker_exited' && line.expected === false)
  t.ok(unexpected.length >= 5, `the crashes were logged (${unexpected.length}) with their exit code`)
  t.ok(unexpected.every((line) => line.code === 3), 'each with the fixture\'s exit code 3')
  const crashLoopAt = lines.findIndex((line) => line.event === 'crash_loop')
  const startedAfter = lines.slice(crashLoopAt).filter((line) => line.event === 'worker_started' || line.event === 'worker_replaced')
  t.same(startedAfter, [], 'no worker is started after crash_loop')
  t.ok(lines.some((line) => line.event === 'worker_replaced'), 'crashed workers were replaced before the limit')
})
