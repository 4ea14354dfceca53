// WORKERS=2: the limits are the service's, not each worker's. Requests spread over both workers (shown by the worker
// that logged each one) take from one allowance, atomically; and a worker never waits unbounded on the primary.
import t, { test } from 'tap'
import { ADMIN } from '../helper.js'
import { connectionsPerWorker, send as sendOn, startWorkerService, type Answer, type WorkerService } from '../worker-service.js'

async function send (service: WorkerService, method: string, path: string, requestId: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { 'x-request-id': requestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) }
}

// One request on each of `perWorker` connections to each worker, all at once.
async function atOnceOnBothWorkers (service: WorkerService, perWorker: number, method: string, path: string, body: (n: number) => unknown): Promise<Answer[]> {
  const connections = await connectionsPerWorker(service, perWorker)
  try {
    return await Promise.all(connections.map(async ({ agent }, n) => await sendOn(service, agent, method, path, { body: body(n) })))
  } finally {
    for (const { agent } of connections) agent.destroy()
  }
}

// Three services of a primary and two workers each: on a loaded machine each test may take a minute or more.
t.setTimeout(600_000)

// A loaded test machine may lag its event loop past the default bound: these tests are about counting, not shedding.
const NO_SHEDDING = { MAX_EVENT_LOOP_DELAY_MS: '0' }

function count<T> (values: T[], wanted: T): number {
  return values.filter((value) => value === wanted).length
}

test('24 wrong passwords at once, over two workers: exactly LOGIN_FAILURE_LIMIT answered 401, the rest 429', async (t) => {
  const service = await startWorkerService({
    ...NO_SHEDDING,
    DATABASE_URL: `sqlite:${t.testdir()}/service.db`,
    ADMIN_USERNAME: ADMIN.adminUsername,
    ADMIN_PASSWORD: ADMIN.adminPassword,
    LOGIN_FAILURE_LIMIT: '5',
    // The per-client limit on /login must not answer first: this is about the per-account throttle.
    RATE_LIMIT_AUTH: '1000'
  })
  t.teardown(() => service.stop())

  const answers = await atOnceOnBothWorkers(service, 12, 'POST', '/login', (n) => ({ username: ADMIN.adminUsername, password: `wrong guess number ${n}` }))
  const statuses = answers.map((answer) => answer.status)
  t.equal(count(statuses, 401), 5, `exactly 5 guesses were checked (statuses: ${statuses.join(' ')})`)
  t.equal(count(statuses, 429), 19, 'every other guess was refused')
  for (const answer of answers) {
    if (answer.status === 401) t.equal(answer.body.code, 'invalid_credentials')
    if (answer.status === 429) {
      t.equal(answer.body.code, 'rate_limited')
      t.ok(Number(answer.headers['retry-after']) > 0, 'a refusal says when to retry')
    }
  }
  t.same(new Set(answers.map((answer) => answer.worker)), new Set([1, 2]), 'both workers answered guesses')

  const rightPassword = await send(service, 'POST', '/login', 'right-password', { username: ADMIN.adminUsername, password: ADMIN.adminPassword })
  t.equal(rightPassword.status, 429, 'the account stays locked for this address, whichever worker answers')
  t.equal(rightPassword.body.code, 'rate_limited')
})

test('RATE_LIMIT_GLOBAL counts once across workers; one scrape of /metrics sums the workers', async (t) => {
  const service = await startWorkerService({ ...NO_SHEDDING, DATABASE_URL: `sqlite:${t.testdir()}/service.db`, RATE_LIMIT_GLOBAL: '30' })
  t.teardown(() => service.stop())

  // What is left once the test helpers' own requests (the OpenAPI document for the contract check) are counted.
  const first = await send(service, 'GET', '/todo', 'global-first')
  const left = Number(first.headers.get('ratelimit-remaining'))
  t.ok(left >= 20 && left <= 29, `most of the allowance is left (${left})`)

  const answers = await atOnceOnBothWorkers(service, 20, 'GET', '/todo', () => undefined)
  const statuses = answers.map((answer) => answer.status)
  const unavailable = answers.filter((answer) => answer.status === 503).map((answer) => answer.body.message)
  t.equal(count(statuses, 200), left, `what was left of the allowance was served once (statuses: ${statuses.join(' ')}; ${unavailable.join('; ')})`)
  t.equal(count(statuses, 429), 40 - left)
  const remaining = answers.filter((answer) => answer.status === 200).map((answer) => Number(answer.headers['ratelimit-remaining']))
  t.same(remaining.sort((a, b) => a - b), Array.from({ length: left }, (_, n) => n), 'each request took its own point, down to 0')
  t.same(new Set(answers.map((answer) => answer.worker)), new Set([1, 2]), 'both workers counted against the one allowance')

  // The probes are never limited, so the scrapes go through; each may land on either worker.
  for (let scrape = 0; scrape < 4; scrape++) {
    const metrics = await fetch(`${service.url}/metrics`)
    t.equal(metrics.status, 200)
    const text = await metrics.text()
    t.match(text, new RegExp(`^http_requests_total\\{method="GET",route="/todo",status_code="200"\\} ${left + 1}$`, 'm'), 'the 200s of both workers, summed')
    t.match(text, new RegExp(`^http_requests_total\\{method="GET",route="/todo",status_code="429"\\} ${40 - left}$`, 'm'), 'the 429s of both workers, summed')
    t.match(text, new RegExp(`^rate_limit_rejections_total\\{route="/todo"\\} ${40 - left}$`, 'm'))
    t.match(text, /^process_resident_memory_bytes\{worker="1"\} \d+/m, 'each worker\'s own memory, labelled')
    t.match(text, /^process_resident_memory_bytes\{worker="2"\} \d+/m)
    t.notMatch(text, /_total\{?[^\n]*\n# TYPE [a-z_]+_total gauge/, 'no gauge is named like a counter')
  }
})

test('a worker whose primary does not answer refuses with 503 and Retry-After instead of hanging', async (t) => {
  const service = await startWorkerService({ ...NO_SHEDDING, DATABASE_URL: `sqlite:${t.testdir()}/service.db`, RATE_LIMIT_GLOBAL: '1000' })
  t.teardown(async () => {
    process.kill(service.pid, 'SIGCONT')
    await service.stop()
  })
  // fetch keeps the connection to the worker that answered open: the next request goes to it without the primary.
  t.equal((await send(service, 'GET', '/todo', 'before-stop')).status, 200)
  process.kill(service.pid, 'SIGSTOP')
  const stalled = await send(service, 'GET', '/todo', 'primary-stopped')
  t.equal(stalled.status, 503, 'the count could not be taken in time')
  t.equal(stalled.body.code, 'service_unavailable')
  t.equal(stalled.headers.get('retry-after'), '5')
  process.kill(service.pid, 'SIGCONT')
  t.equal((await send(service, 'GET', '/todo', 'after-continue')).status, 200, 'answers again once the primary does')
})
