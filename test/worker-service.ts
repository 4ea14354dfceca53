// The built service started with WORKERS=N (a primary and N workers), for the process tests of lib/workers/: waits until
// every worker is ready, and reads the primary's log to say which workers (pids) are alive.
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import { fileURLToPath } from 'node:url'
import { startServer, type RunningServer } from './server-process.js'

export interface LogLine {
  level: number
  msg?: string
  event?: string
  worker?: number | 'primary'
  pid?: number
  workerId?: number
  workerPid?: number
  [field: string]: unknown
}

export interface WorkerService extends RunningServer {
  // Every JSON line the primary and the workers have written so far.
  logLines: () => LogLine[]
  // The pids of the workers started and not exited, by the primary's log.
  workerPids: () => number[]
  // Resolves with the first log line that matches, polling the output within a generous bound.
  waitForLog: (matches: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>
}

// Loaded with --import by tests that need workers to crash on demand (never by the service itself).
export const CRASH_FIXTURE = fileURLToPath(new URL('./fixtures/crashing-workers.mjs', import.meta.url))

export function parseLogLines (output: string): LogLine[] {
  const lines: LogLine[] = []
  for (const text of output.split('\n')) {
    if (!text.startsWith('{')) continue
    try {
      lines.push(JSON.parse(text) as LogLine)
    } catch {
      // A line cut by the end of the output so far: read again on the next call.
    }
  }
  return lines
}

export function livingWorkerPids (lines: LogLine[]): number[] {
  const living = new Set<number>()
  for (const line of lines) {
    if (line.worker !== 'primary' || line.workerPid === undefined) continue
    if (line.event === 'worker_ready') living.add(line.workerPid)
    if (line.event === 'worker_exited') living.delete(line.workerPid)
  }
  return [...living]
}

export async function waitForLogIn (output: () => string, matches: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const found = parseLogLines(output()).find(matches)
    if (found !== undefined) return found
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no such log line within ${timeoutMs} ms:\n${output()}`)
}

export async function startWorkerService (env: Record<string, string>, { workers = 2, execArgv = [] as string[], timeoutMs = 90_000 } = {}): Promise<WorkerService> {
  // Info, because the primary says at that level which workers started and exited. No load shedding: a busy test
  // machine lags by design, and a shed /docs/json would leave the contract check without its document.
  const server = await startServer({ LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0', WORKERS: String(workers), ...env }, timeoutMs, execArgv)
  await waitForLogIn(server.output, (line) => line.event === 'workers_ready', timeoutMs)
  return {
    ...server,
    logLines: () => parseLogLines(server.output()),
    workerPids: () => livingWorkerPids(parseLogLines(server.output())),
    waitForLog: async (matches, waitMs) => await waitForLogIn(server.output, matches, waitMs)
  }
}

export interface ClientOutcome {
  status: number
  // Sent on a connection that had answered before (keep-alive), or on a new one.
  reusedSocket: boolean
  connectionClose: boolean
  // ECONNRESET, socket hang up, ECONNREFUSED...
  error?: string
  sentAt: number
}

export function getOnce (url: string, agent: Agent | false, headers: Record<string, string> = {}): Promise<ClientOutcome> {
  const sentAt = Date.now()
  return new Promise((resolve) => {
    const sent = request(url, { agent, headers, timeout: 15_000 }, (response) => {
      response.resume()
      const outcome = { status: response.statusCode ?? 0, reusedSocket: sent.reusedSocket, connectionClose: response.headers.connection === 'close', sentAt }
      response.on('end', () => resolve(outcome))
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ ...outcome, error: error.code ?? error.message }))
    })
    sent.on('timeout', () => sent.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    sent.on('error', (error: NodeJS.ErrnoException) => resolve({ status: 0, reusedSocket: sent.reusedSocket, connectionClose: false, error: error.code ?? error.message, sentAt }))
    sent.end()
  })
}

let requestCounter = 0

export interface LoopingClients {
  outcomes: ClientOutcome[]
  // Ends the loops and resolves once every client has stopped.
  stop: () => Promise<void>
  // Resolves once every client has stopped by itself (the service refused a new connection) or was stopped.
  done: Promise<void>
}

// Clients that each send one request after another on one keep-alive connection, and open a new connection at once
// when the service answers Connection: close, as a real client pool does. A client ends when a new connection is
// refused (ECONNREFUSED: the service has stopped listening) or when stopped; every other outcome is recorded.
export function loopingClients (url: string, paths: string[], count: number, maxMs = 60_000): LoopingClients {
  const outcomes: ClientOutcome[] = []
  const state = { running: true }
  async function client (index: number): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const deadline = Date.now() + maxMs
    for (let sent = 0; state.running && Date.now() < deadline; sent++) {
      const outcome = await getOnce(`${url}${paths[(index + sent) % paths.length] ?? '/health'}`, agent)
      if (outcome.error === 'ECONNREFUSED' && !outcome.reusedSocket) break
      outcomes.push(outcome)
    }
    agent.destroy()
  }
  const done = Promise.all(Array.from({ length: count }, async (_, index) => await client(index))).then(() => {})
  return {
    outcomes,
    done,
    async stop () {
      state.running = false
      await done
    }
  }
}

export interface Answer { status: number, headers: IncomingHttpHeaders, body: { code?: string, message?: string, access_token?: string, id?: string }, reusedSocket: boolean, worker: number, requestId: string }

// One keep-alive connection, and which worker it reached.
export interface Connection { agent: Agent, worker: number }

interface RawAnswer { status: number, headers: IncomingHttpHeaders, text: string, reusedSocket: boolean, requestId: string }

// A request on the given connection (agent), with an X-Request-Id of its own, as it came back.
async function sendRaw (service: WorkerService, agent: Agent, method: string, path: string, { token, body }: { token?: string, body?: unknown } = {}): Promise<RawAnswer> {
  const requestId = `test-${process.pid}-${++requestCounter}`
  const headers: Record<string, string> = { 'x-request-id': requestId }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  return await new Promise<RawAnswer>((resolve, reject) => {
    const sent = request(`${service.url}${path}`, { method, agent, headers, timeout: 15_000 }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => { text += chunk })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text, reusedSocket: sent.reusedSocket, requestId }))
      response.on('error', reject)
    })
    sent.on('timeout', () => sent.destroy(new Error('timed out')))
    sent.on('error', reject)
    sent.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

// The workers that answered the requests with these ids, found by the ids in the workers' log lines.
async function workersOf (service: WorkerService, requestIds: string[], timeoutMs = 30_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const workers = new Map<unknown, number>()
    for (const line of service.logLines()) if (typeof line.worker === 'number') workers.set(line.reqId, line.worker)
    if (requestIds.every((id) => workers.has(id))) return requestIds.map((id) => workers.get(id) as number)
    if (Date.now() > deadline) throw new Error(`no log line names the worker of ${requestIds.filter((id) => !workers.has(id)).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

// A request on the given connection (agent), answered with its status, headers, JSON body, whether it went on a
// kept-alive connection, and the worker that answered it.
export async function send (service: WorkerService, agent: Agent, method: string, path: string, options: { token?: string, body?: unknown } = {}): Promise<Answer> {
  const { status, headers, text, reusedSocket, requestId } = await sendRaw(service, agent, method, path, options)
  const [worker] = await workersOf(service, [requestId])
  return { status, headers, body: text === '' ? {} : JSON.parse(text), reusedSocket, worker: worker as number, requestId }
}

// Opens keep-alive connections until there are `perWorker` on each of the two workers. Connections opened one at a
// time are handed out in turn; a burst of them may all go to whichever worker takes them first, so tests that need
// both workers to answer send on these.
export async function connectionsPerWorker (service: WorkerService, perWorker: number): Promise<Connection[]> {
  const found = new Map<number, Connection[]>([[1, []], [2, []]])
  const missing = () => [...found.values()].reduce((sum, connections) => sum + Math.max(0, perWorker - connections.length), 0)
  for (let round = 0; round < 10 && missing() > 0; round++) {
    const agents: Agent[] = []
    const requestIds: string[] = []
    for (let opened = 0; opened < missing(); opened++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      agents.push(agent)
      requestIds.push((await sendRaw(service, agent, 'GET', '/health')).requestId)
    }
    const workers = await workersOf(service, requestIds)
    agents.forEach((agent, index) => {
      const worker = workers[index] as number
      const connections = found.get(worker)
      if (connections === undefined || connections.length >= perWorker) agent.destroy()
      else connections.push({ agent, worker })
    })
  }
  if (missing() > 0) throw new Error(`could not open ${perWorker} connections to each of both workers`)
  return [...found.values()].flat()
}

export async function connectionPerWorker (service: WorkerService): Promise<[Connection, Connection]> {
  return await connectionsPerWorker(service, 1) as [Connection, Connection]
}
