// SIGTERM with WORKERS=1 and WORKERS=2 under clients that loop on keep-alive connections and reconnect at once after
// Connection: close, as real client pools do: no request is reset (ECONNRESET, socket hang up), every one is answered
// until the service stops listening, and the exit code is 0. A second SIGTERM exits at once.
import { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { startServer } from '../server-process.js'
import { loopingClients, parseLogLines, startWorkerService, waitForLogIn, type ClientOutcome } from '../worker-service.js'

const CLIENTS = 8

function environment (databaseUrl: string): Record<string, string> {
  // The global limit far above what the clients send; load shedding off on a busy test machine.
  return { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', SHUTDOWN_DRAIN_MS: '1500', MAX_EVENT_LOOP_DELAY_MS: '0', RATE_LIMIT_GLOBAL: '100000000' }
}

function describe (outcomes: ClientOutcome[]): string {
  const reused = outcomes.filter((outcome) => outcome.reusedSocket).length
  const closed = outcomes.filter((outcome) => outcome.connectionClose).length
  return `${outcomes.length} requests, ${reused} on reused connections, ${closed} answered Connection: close`
}

for (const workers of [1, 2]) {
  test(`WORKERS=${workers}: SIGTERM under reconnecting keep-alive clients resets no request, exit code 0`, async (t) => {
    const env = { ...environment(await freshDatabaseUrl(t)), WORKERS: String(workers) }
    const server = workers === 1 ? await startServer(env) : await startWorkerService(env)
    t.teardown(() => server.stop())
    const clients = loopingClients(server.url, ['/health', '/todo'], CLIENTS)
    t.teardown(() => clients.stop())

    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const signalledAt = Date.now()
    const { code, output } = await server.stop()
    // Each client ends when its new connection is refused; one still on an open connection gets its answer first.
    await clients.done

    t.equal(code, 0, 'exit code 0')
    const failed = clients.outcomes.filter((outcome) => outcome.error !== undefined || outcome.status !== 200)
    t.same(failed, [], `no request failed or was reset (${describe(clients.outcomes)})`)
    t.ok(clients.outcomes.filter((outcome) => outcome.sentAt > signalledAt && outcome.connectionClose).length > 0, 'requests were served during the drain, with Connection: close')
    t.ok(clients.outcomes.filter((outcome) => outcome.sentAt < signalledAt).length > CLIENTS, 'the clients were busy before the signal')
    t.notMatch(output, /TypeError|unhandled|uncaught/i, 'no error on the way out')
    if (workers > 1) {
      const lines = parseLogLines(output)
      t.match(lines.find((line) => line.event === 'service_stopped'), { clean: true }, 'the primary says every worker drained')
    }
  })

  test(`WORKERS=${workers}: a second SIGTERM during the drain exits at once`, async (t) => {
    // A drain far longer than the test would wait: only the second signal can end the process in time.
    const env = { ...environment(await freshDatabaseUrl(t)), WORKERS: String(workers), SHUTDOWN_DRAIN_MS: '600000' }
    const server = workers === 1 ? await startServer(env) : await startWorkerService(env)
    t.teardown(() => server.stop())
    process.kill(server.pid, 'SIGTERM')
    await waitForLogIn(server.output, (line) => /draining/.test(line.msg ?? ''))
    // stop() sends the second SIGTERM, and SIGKILL (exit code null) if the process is still there long after.
    const { code, output } = await server.stop()
    t.equal(code, 1, 'exit code 1, not killed')
    const plain = output.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{'))
    t.same(plain, [], 'every line is a JSON log line, the second signal\'s too')
    t.ok(parseLogLines(output).some((line) => /second SIGTERM/.test(line.msg ?? '')), 'which says it was a second SIGTERM')
    if (workers > 1) t.ok(parseLogLines(output).some((line) => line.event === 'second_signal'), 'the primary says why')
  })
}
