// The five scenarios of the bench, each measured beside its control, on two fresh databases.
import { writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../plugins/passwords.js'
import { cpuMetered, cpuRatioByRound, type CpuTurn } from './cpu-turns.js'
import { createDatabases } from './databases.js'
import { alternate, argon2Target, httpTarget, RefusedRun, type Schedule, type Summary } from './load.js'
import { PAGE_SIZE, tasksPerUser, type BenchOptions } from './options.js'
import { mixedLoad, type MixedResult } from './mixed.js'
import { startControlServer, startMinimalServer, startService, watchPeakMemory, type ChildServer } from './processes.js'
import { ADMIN_USERNAME, BENCH_PASSWORD, NORMAL_USERNAME, seedDatabase } from './seed.js'

export const TARGETS = {
  // Scenario 1: the service's GET /todo throughput, as a fraction of the control's.
  todoPageThroughput: 0.5,
  // Scenario 2: POST /login throughput, as a fraction of raw argon2id verify calls.
  loginThroughput: 0.85,
  // Scenario 3: p50 with the large database over p50 with the small one, at most.
  scalingP50: 1.3,
  // Scenario 5: peak RSS of the service during scenario 1, in MB (2^20 bytes), below.
  peakRssMb: 150,
  // Scenario 1b: If-None-Match revalidation (304) of scenario 1's page, as a fraction of scenario 1's control.
  revalidationThroughput: 0.6,
  // Scenario 6: server CPU per request with the page cache off, over the minimal handler's, at most.
  cacheOffCpu: 1.25,
  // Scenario 7: peak RSS during the mixed load, in MB, below; and no errors.
  mixedPeakRssMb: 150
}

export interface CpuComparison {
  service: Summary & { cpuUsPerRequest: number }
  control: Summary & { cpuUsPerRequest: number }
  // service CPU per request over the control's: the median of the rounds' ratios (bench/cpu-turns.ts)
  ratio: number
  target: number
  met: boolean
}

export interface Comparison {
  service: Summary
  control: Summary
  // service req/s over control req/s
  ratio: number
  target: number
  met: boolean
}

export interface Scaling {
  small: Summary
  large: Summary
  // p50 on the large database over p50 on the small one
  ratio: number
  target: number
  met: boolean
}

export interface BenchResults {
  date: string
  database: 'sqlite' | 'postgres'
  // loadAverage: the 1-minute load average when the run began and when it ended; above the CPU count, other
  // processes were competing for the machine (the ratios hold, the absolute figures drop).
  machine: { cpus: number, cpuModel: string, memoryMb: number, node: string, platform: string, loadAverage: { start: number, end: number } }
  options: Omit<BenchOptions, 'postgres' | 'postgresUrl' | 'out'> & { tasksPerUser: number }
  scenarios: {
    todoPage: Comparison
    revalidation: Comparison
    cacheOff: CpuComparison | null
    mixed: MixedResult & { target: number, met: boolean }
    login: Comparison
    scaling: { normal: Scaling, admin: Scaling, anonymous: Scaling }
    writes: { createTask: Summary, markTask: Summary }
    memory: { peakRssMb: number, target: number, met: boolean }
  }
}

function round (value: number, digits = 3): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

function throughputComparison (service: Summary, control: Summary, target: number): Comparison {
  const ratio = round(control.reqPerSec > 0 ? service.reqPerSec / control.reqPerSec : 0)
  return { service, control, ratio, target, met: ratio >= target }
}

function latencyScaling (small: Summary, large: Summary): Scaling {
  const ratio = round(small.p50Ms > 0 ? large.p50Ms / small.p50Ms : Infinity)
  return { small, large, ratio, target: TARGETS.scalingP50, met: ratio <= TARGETS.scalingP50 }
}

function describeChild (child: ChildServer): string {
  return `\n\n${child.url} (pid ${child.pid}) ${child.isRunning() ? 'still runs' : 'has exited'}; its last output:\n${child.output().slice(-2000)}`
}

const LOGIN_ATTEMPTS = 5

async function logIn (service: ChildServer, username: string): Promise<string> {
  let response: Response
  for (let attempt = 1; ; attempt++) {
    response = await fetch(`${service.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: BENCH_PASSWORD })
    })
    // A busy machine makes the service shed load (503 with Retry-After): the bench waits as a client should.
    if (response.status !== 503 || attempt === LOGIN_ATTEMPTS) break
    await response.arrayBuffer()
    await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(Number(response.headers.get('retry-after') ?? 1), 2)))
  }
  if (response.status !== 200) throw new Error(`POST /login as ${username} answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

// Headers that differ from one answer to the next, or that the transport sets.
const PER_ANSWER_HEADERS = new Set(['date', 'etag', 'link', 'content-length', 'connection', 'keep-alive', 'x-request-id', 'content-type'])

interface Page { body: Buffer, contentType: string, etag: string, staticHeaders: Record<string, string> }

// The exact answer to an authenticated GET /todo, checked to be a full page, for the control to replay.
async function fetchPage (service: ChildServer, headers: Record<string, string>): Promise<Page> {
  const response = await fetch(`${service.url}/todo`, { headers })
  const staticHeaders: Record<string, string> = {}
  response.headers.forEach((value, name) => { if (!PER_ANSWER_HEADERS.has(name)) staticHeaders[name] = value })
  const body = Buffer.from(await response.arrayBuffer())
  const tasks = JSON.parse(body.toString()) as unknown[]
  if (response.status !== 200 || tasks.length !== PAGE_SIZE) {
    throw new Error(`GET /todo answered ${response.status} with ${tasks.length} tasks, expected 200 with ${PAGE_SIZE}`)
  }
  return { body, contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8', etag: response.headers.get('etag') ?? '', staticHeaders }
}

interface Accounts {
  normal: Record<string, string>
  admin: Record<string, string>
}

async function accountsOf (service: ChildServer): Promise<Accounts> {
  return {
    normal: { authorization: `Bearer ${await logIn(service, NORMAL_USERNAME)}` },
    admin: { authorization: `Bearer ${await logIn(service, ADMIN_USERNAME)}` }
  }
}

export async function runBench (options: BenchOptions, progress: (line: string) => void): Promise<BenchResults> {
  const schedule: Schedule = { duration: options.duration, rounds: options.rounds, warmup: options.warmup, connections: options.connections }
  const perUser = tasksPerUser(options)
  const date = new Date().toISOString()
  const loadAtStart = loadavg()[0]
  const databases = await createDatabases(options)
  const running: ChildServer[] = []
  try {
    const passwordHash = await hash(BENCH_PASSWORD, ARGON2_OPTIONS)
    progress(`seeding the small database (${options.smallTasks.toLocaleString('en')} tasks)`)
    await seedDatabase(databases.small, { users: options.smallTasks / perUser, tasksPerUser: perUser, passwordHash }, progress)
    progress(`seeding the large database (${options.tasks.toLocaleString('en')} tasks)`)
    await seedDatabase(databases.large, { users: options.users, tasksPerUser: perUser, passwordHash }, progress)

    const [smallService, largeService] = await Promise.all([databases.small, databases.large].map(async (url) => {
      const service = await startService(url, databases.folder)
      running.push(service)
      return service
    }))
    const [small, large] = await Promise.all([accountsOf(smallService), accountsOf(largeService)])

    progress('scenario 1: authenticated GET /todo vs a control server replaying the same bytes (and 5: peak RSS)')
    const page = await fetchPage(smallService, small.normal)
    const bodyFile = join(databases.folder, 'page.json')
    await writeFile(bodyFile, page.body)
    const control = await startControlServer(bodyFile, page.contentType, databases.folder)
    running.push(control)
    const replayed = Buffer.from(await (await fetch(`${control.url}/todo`)).arrayBuffer())
    if (!replayed.equals(page.body)) throw new Error('the control server does not answer the same bytes as the service')
    const stopWatching = watchPeakMemory(smallService.pid)
    const [todoPage, todoControl, revalidated] = await alternate([
      httpTarget('service GET /todo', { url: `${smallService.url}/todo`, headers: small.normal }),
      httpTarget('control GET /todo', { url: `${control.url}/todo` }),
      httpTarget('service GET /todo If-None-Match (304)', { url: `${smallService.url}/todo`, headers: { ...small.normal, 'if-none-match': page.etag }, expectedStatus: 304 })
    ], schedule, progress)
    const peakRssMb = round((await stopWatching()) / 2 ** 20, 1)
    await control.stop()

    const cacheOff = options.postgres ? null : await measureCacheOff(databases.small, databases.folder, page, schedule, progress, running)

    progress('scenario 2: POST /login vs raw argon2id verify calls')
    const [login, argon2] = await alternate([
      httpTarget('service POST /login', {
        url: `${smallService.url}/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: NORMAL_USERNAME, password: BENCH_PASSWORD })
      }),
      argon2Target('argon2id verify', passwordHash, BENCH_PASSWORD)
    ], schedule, progress)

    progress(`scenario 3: GET /todo with ${options.smallTasks.toLocaleString('en')} vs ${options.tasks.toLocaleString('en')} tasks`)
    const measureView = async (view: 'normal' | 'admin' | 'anonymous'): Promise<Scaling> => {
      const headersOf = (accounts: Accounts) => view === 'anonymous' ? {} : accounts[view]
      const [onSmall, onLarge] = await alternate([
        httpTarget(`${view}, small database`, { url: `${smallService.url}/todo`, headers: headersOf(small) }),
        httpTarget(`${view}, large database`, { url: `${largeService.url}/todo`, headers: headersOf(large) })
      ], schedule, progress)
      return latencyScaling(onSmall, onLarge)
    }
    const scaling = { normal: await measureView('normal'), admin: await measureView('admin'), anonymous: await measureView('anonymous') }

    progress('scenario 4: POST /todo and PUT /todo/mark/:id/:status')
    let marks = 0
    const [createTask, markTask] = await alternate([
      httpTarget('POST /todo', {
        url: `${smallService.url}/todo`,
        method: 'POST',
        headers: { ...small.normal, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Written by the bench', description: 'One of many', due: '2026-12-01' })
      }),
      // Walks the small database's tasks (ids 1..smallTasks on a fresh database), done on one pass, undone on the next.
      httpTarget('PUT /todo/mark', {
        url: smallService.url,
        method: 'PUT',
        headers: small.admin,
        nextPath () {
          const id = (marks % options.smallTasks) + 1
          const status = Math.floor(marks / options.smallTasks) % 2 === 0 ? 1 : 0
          marks++
          return `/todo/mark/${id}/${status}`
        }
      })
    ], schedule, progress)

    progress(`scenario 7: ${options.mixedDuration} s of mixed load (70% reads, 20% writes, 10% login/refresh) on the large database`)
    const stopWatchingMixed = watchPeakMemory(largeService.pid)
    const mixed = await mixedLoad(largeService.url, Math.min(options.users, 200), options.mixedDuration, options.connections)
    const mixedPeakRssMb = round((await stopWatchingMixed()) / 2 ** 20, 1)
    progress(`  ${mixed.requests} requests, ${mixed.errors} errors, peak RSS ${mixedPeakRssMb} MB`)

    return {
      date,
      database: options.postgres ? 'postgres' : 'sqlite',
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryMb: Math.round(totalmem() / 2 ** 20),
        node: process.version,
        platform: process.platform,
        loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) }
      },
      options: {
        tasks: options.tasks,
        users: options.users,
        smallTasks: options.smallTasks,
        tasksPerUser: perUser,
        duration: options.duration,
        rounds: options.rounds,
        warmup: options.warmup,
        connections: options.connections,
        mixedDuration: options.mixedDuration
      },
      scenarios: {
        todoPage: throughputComparison(todoPage, todoControl, TARGETS.todoPageThroughput),
        revalidation: throughputComparison(revalidated, todoControl, TARGETS.revalidationThroughput),
        cacheOff,
        mixed: { ...mixed, peakRssMb: mixedPeakRssMb, target: TARGETS.mixedPeakRssMb, met: mixed.errors === 0 && mixedPeakRssMb < TARGETS.mixedPeakRssMb },
        login: throughputComparison(login, argon2, TARGETS.loginThroughput),
        scaling,
        writes: { createTask, markTask },
        memory: { peakRssMb, target: TARGETS.peakRssMb, met: peakRssMb < TARGETS.peakRssMb }
      }
    }
  } catch (error) {
    // What the servers printed, and whether they still run, is what tells a refused run's cause.
    if (error instanceof RefusedRun) error.message += running.map(describeChild).join('')
    throw error
  } finally {
    for (const child of running.reverse()) await child.stop()
    await databases.remove()
  }
}

// Scenario 6: the page with the cache off, against the minimal handler on the same SQLite file; CPU per request of each.
async function measureCacheOff (databaseUrl: string, folder: string, page: Page, schedule: Schedule, progress: (line: string) => void, running: ChildServer[]): Promise<CpuComparison> {
  progress('scenario 6: GET /todo with PAGE_CACHE_BYTES=0 vs a minimal handler doing the same work on the same database')
  const service = await startService(databaseUrl, folder, { PAGE_CACHE_BYTES: '0' })
  running.push(service)
  const minimal = await startMinimalServer(databaseUrl.slice('sqlite:'.length), page.staticHeaders, folder)
  running.push(minimal)
  const headers = { authorization: `Bearer ${await logIn(service, NORMAL_USERNAME)}` }
  const [fromService, fromMinimal] = await Promise.all([service, minimal].map(async (server) => await fetch(`${server.url}/todo`, { headers })))
  const [serviceBody, minimalBody] = await Promise.all([fromService, fromMinimal].map(async (response) => Buffer.from(await response.arrayBuffer())))
  if (!serviceBody.equals(minimalBody) || fromService.headers.get('etag') !== fromMinimal.headers.get('etag') || fromService.headers.get('link') !== fromMinimal.headers.get('link')) {
    throw new Error('the minimal handler does not answer the same bytes, ETag and Link as the service')
  }
  const serviceTurns: CpuTurn[] = []
  const minimalTurns: CpuTurn[] = []
  const [onService, onMinimal] = await alternate([
    cpuMetered(httpTarget('service GET /todo, cache off', { url: `${service.url}/todo`, headers }), service.pid, serviceTurns),
    cpuMetered(httpTarget('minimal handler GET /todo', { url: `${minimal.url}/todo`, headers }), minimal.pid, minimalTurns)
  ], schedule, progress)
  await minimal.stop()
  await service.stop()
  const byRound = cpuRatioByRound(serviceTurns, minimalTurns)
  const [serviceCpu, controlCpu, ratio] = [round(byRound.serviceCpu, 1), round(byRound.controlCpu, 1), round(byRound.ratio)]
  return {
    service: { ...onService, cpuUsPerRequest: serviceCpu },
    control: { ...onMinimal, cpuUsPerRequest: controlCpu },
    ratio,
    target: TARGETS.cacheOffCpu,
    met: ratio <= TARGETS.cacheOffCpu
  }
}
