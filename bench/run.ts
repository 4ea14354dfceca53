// The five scenarios of the bench, each measured beside its control, on two fresh databases.
import { writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../plugins/passwords.js'
import { createDatabases } from './databases.js'
import { alternate, argon2Target, httpTarget, RefusedRun, type Schedule, type Summary } from './load.js'
import { PAGE_SIZE, tasksPerUser, type BenchOptions } from './options.js'
import { startControlServer, startService, watchPeakMemory, type ChildServer } from './processes.js'
import { ADMIN_USERNAME, BENCH_PASSWORD, NORMAL_USERNAME, seedDatabase } from './seed.js'

export const TARGETS = {
  // Scenario 1: the service's GET /todo throughput, as a fraction of the control's.
  todoPageThroughput: 0.5,
  // Scenario 2: POST /login throughput, as a fraction of raw argon2id verify calls.
  loginThroughput: 0.85,
  // Scenario 3: p50 with the large database over p50 with the small one, at most.
  scalingP50: 1.3,
  // Scenario 5: peak RSS of the service during scenario 1, in MB (2^20 bytes), below.
  peakRssMb: 150
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

async function logIn (service: ChildServer, username: string): Promise<string> {
  const response = await fetch(`${service.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD })
  })
  if (response.status !== 200) throw new Error(`POST /login as ${username} answered ${response.status}: ${await response.text()}`)
  return ((await response.json()) as { access_token: string }).access_token
}

// The exact answer to an authenticated GET /todo, checked to be a full page, for the control to replay.
async function fetchPage (service: ChildServer, headers: Record<string, string>): Promise<{ body: Buffer, contentType: string }> {
  const response = await fetch(`${service.url}/todo`, { headers })
  const body = Buffer.from(await response.arrayBuffer())
  const tasks = JSON.parse(body.toString()) as unknown[]
  if (response.status !== 200 || tasks.length !== PAGE_SIZE) {
    throw new Error(`GET /todo answered ${response.status} with ${tasks.length} tasks, expected 200 with ${PAGE_SIZE}`)
  }
  return { body, contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8' }
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
    const [todoPage, todoControl] = await alternate([
      httpTarget('service GET /todo', { url: `${smallService.url}/todo`, headers: small.normal }),
      httpTarget('control GET /todo', { url: `${control.url}/todo` })
    ], schedule, progress)
    const peakRssMb = round((await stopWatching()) / 2 ** 20, 1)
    await control.stop()

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
        connections: options.connections
      },
      scenarios: {
        todoPage: throughputComparison(todoPage, todoControl, TARGETS.todoPageThroughput),
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
