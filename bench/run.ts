// The bench's scenarios, each measured on every engine side by side (targets of all engines alternating in one
// schedule), beside its control, on fresh databases.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, totalmem, tmpdir } from 'node:os'
import { join } from 'node:path'
import { hash } from '@node-rs/argon2'
import { ARGON2_OPTIONS } from '../plugins/passwords.js'
import { serviceMeter } from './cpu.js'
import { openEngines, startEngineMinimalServer, startEngineService, type Engine, type EngineName, type MeteredServer } from './engines.js'
import { checkGenerator, type GeneratorCheck } from './generator-check.js'
import { measureInstances, type InstancesResult } from './instances.js'
import { alternate, answerBytes, argon2Target, cpuRatioByRound, httpTarget, RefusedRun, round, summarize, type Sample, type Schedule, type Summary, type Target } from './load.js'
import { mixedTarget } from './mixed.js'
import { PAGE_SIZE, tasksPerUser, type BenchOptions } from './options.js'
import { startControlServer, watchPeakMemory, type ChildServer } from './processes.js'
import { ADMIN_USERNAME, BENCH_PASSWORD, NORMAL_USERNAME, seedDatabase } from './seed.js'
import { judgeTargets, type Verdict } from './targets.js'
import { measureWorkers, type WorkersResult } from './workers.js'
import { editWalkScript, markWalkScript } from './write-scripts.js'

export type PerEngine<T> = Partial<Record<EngineName, T>>
export interface WriteSummaries { createTask: Summary, updateTask: Summary, markTask: Summary }
export type View = 'normal' | 'admin' | 'anonymous'
export const VIEWS: View[] = ['normal', 'admin', 'anonymous']

export interface BenchScenarios {
  todoPage: { control: Summary, byEngine: PerEngine<{ service: Summary, ratio: number, revalidated: Summary, revalidatedRatio: number, peakRssMb: number }> }
  cacheOff: PerEngine<{ service: Summary, control: Summary, cpuRatio: number }>
  login: { control: Summary, byEngine: PerEngine<{ service: Summary, ratio: number }> }
  scaling: PerEngine<Record<View, { small: Summary, large: Summary, ratio: number }>>
  writes: PerEngine<WriteSummaries>
  // PostgreSQL at its default durability (synchronous_commit=on), beside `writes`, where it runs at SQLite's.
  writesEveryCommitFlushed: WriteSummaries | undefined
  mixed: PerEngine<{ summary: Summary, byKind: Record<string, number>, peakRssMb: number }>
  workers: WorkersResult
  instances: InstancesResult
}

export interface BenchResults {
  date: string
  engines: EngineName[]
  // loadAverage: the 1-minute load average when the run began and when it ended; above the CPU count, other
  // processes were competing for the machine (the ratios hold, the absolute figures drop).
  machine: { cpus: number, cpuModel: string, memoryMb: number, node: string, platform: string, loadAverage: { start: number, end: number } }
  options: Omit<BenchOptions, 'engines' | 'postgresUrl' | 'out'> & { tasksPerUser: number }
  generator: GeneratorCheck
  scenarios: BenchScenarios
  targets: Verdict[]
}

const LOGIN_ATTEMPTS = 5

export async function logIn (url: string, username: string): Promise<string> {
  let response: Response
  for (let attempt = 1; ; attempt++) {
    response = await fetch(`${url}/login`, {
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
async function fetchPage (url: string, headers: Record<string, string>): Promise<Page> {
  const response = await fetch(`${url}/todo`, { headers })
  const staticHeaders: Record<string, string> = {}
  response.headers.forEach((value, name) => { if (!PER_ANSWER_HEADERS.has(name) && !name.startsWith('ratelimit-')) staticHeaders[name] = value })
  const body = Buffer.from(await response.arrayBuffer())
  const tasks = JSON.parse(body.toString()) as unknown[]
  if (response.status !== 200 || tasks.length !== PAGE_SIZE) {
    throw new Error(`GET /todo answered ${response.status} with ${tasks.length} tasks, expected 200 with ${PAGE_SIZE}`)
  }
  return { body, contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8', etag: response.headers.get('etag') ?? '', staticHeaders }
}

// Wire bytes of the answer a target expects, checked to have the status it expects.
async function expectedBytes (url: string, status: number, headers: Record<string, string>): Promise<number> {
  const probe = await answerBytes(url, { headers })
  if (probe.status !== status) throw new Error(`${url} answered ${probe.status} where ${status} was expected`)
  return probe.bytes
}

interface Accounts { normal: Record<string, string>, admin: Record<string, string> }

async function accountsOf (url: string): Promise<Accounts> {
  return {
    normal: { authorization: `Bearer ${await logIn(url, NORMAL_USERNAME)}` },
    admin: { authorization: `Bearer ${await logIn(url, ADMIN_USERNAME)}` }
  }
}

// One engine's long-lived services: on the small database (scenarios 1, 2, 3, 4) and on the large one (3, 7).
interface EngineServices {
  engine: Engine
  small: MeteredServer & { accounts: Accounts }
  large: MeteredServer & { accounts: Accounts }
}

function describeChild (child: ChildServer): string {
  return `\n\n${child.url} (pid ${child.pid}) ${child.isRunning() ? 'still runs' : 'has exited'}; its last output:\n${child.output().slice(-2000)}`
}

function ratioOf (value: number, base: number): number {
  return round(base > 0 ? value / base : 0, 3)
}

function byEngine<T> (services: EngineServices[], make: (services: EngineServices, index: number) => T): PerEngine<T> {
  return Object.fromEntries(services.map((one, index) => [one.engine.name, make(one, index)])) as PerEngine<T>
}

export async function runBench (options: BenchOptions, progress: (line: string) => void): Promise<BenchResults> {
  const reads: Schedule = { duration: options.duration, rounds: options.rounds, warmup: options.warmup }
  const perUser = tasksPerUser(options)
  const date = new Date().toISOString()
  const loadAtStart = loadavg()[0] ?? 0
  const folder = await mkdtemp(join(tmpdir(), 'todo-bench-'))
  const running: ChildServer[] = []
  const keep = <T extends { server: ChildServer }>(started: T): T => { running.push(started.server); return started }
  const engines = await openEngines(options.engines, folder, options.postgresUrl)
  const withDatabase = (engine: Engine) => ({ database: engine.backends !== undefined })
  try {
    const passwordHash = await hash(BENCH_PASSWORD, ARGON2_OPTIONS)
    const seeded = new Set<string>()
    for (const engine of engines.list) {
      for (const size of ['small', 'large'] as const) {
        const url = engine.databases[size]
        if (seeded.has(url)) continue
        seeded.add(url)
        const users = size === 'small' ? options.smallTasks / perUser : options.users
        progress(`seeding the ${size} ${engine.name === 'sqlite' ? 'SQLite' : 'PostgreSQL'} database (${(users * perUser).toLocaleString('en')} tasks)`)
        await seedDatabase(url, { users, tasksPerUser: perUser, passwordHash }, progress)
      }
    }

    const services: EngineServices[] = await Promise.all(engines.list.map(async (engine) => {
      const [small, large] = await Promise.all((['small', 'large'] as const).map(async (size) => keep(await startEngineService(engine, size, size, folder))))
      const [smallAccounts, largeAccounts] = await Promise.all([accountsOf(small.server.url), accountsOf(large.server.url)])
      return { engine, small: { ...small, accounts: smallAccounts }, large: { ...large, accounts: largeAccounts } }
    }))
    const first = services[0] as EngineServices

    // The control replays the first engine's page; every engine's page has the same size (only ids differ).
    const page = await fetchPage(first.small.server.url, first.small.accounts.normal)
    const bodyFile = join(folder, 'page.json')
    await writeFile(bodyFile, page.body)
    const control = await startControlServer(bodyFile, page.contentType, folder)
    running.push(control)
    const replayed = Buffer.from(await (await fetch(`${control.url}/todo`)).arrayBuffer())
    if (!replayed.equals(page.body)) throw new Error('the control server does not answer the same bytes as the service')
    const controlLoad = { url: control.url, path: '/todo', folder, threads: options.threads, meter: serviceMeter(control.pid), expectedBytes: await expectedBytes(`${control.url}/todo`, 200, {}) }

    progress('generator check: wrk against the bare control alone')
    const generator = await checkGenerator(httpTarget('control GET /todo, alone', controlLoad), reads, options.connections, options.threads, progress)

    progress('scenario 1: authenticated GET /todo and its 304, every engine, vs a control server replaying the same bytes (and 5: peak RSS)')
    const readTargets: Target[] = [httpTarget('control GET /todo', controlLoad)]
    for (const { engine, small } of services) {
      const url = `${small.server.url}/todo`
      const etag = (await fetchPage(small.server.url, small.accounts.normal)).etag
      const revalidation = { ...small.accounts.normal, 'if-none-match': etag }
      readTargets.push(
        httpTarget(`${engine.name} GET /todo`, { url: small.server.url, path: '/todo', headers: small.accounts.normal, folder, threads: options.threads, meter: small.meter, expectedBytes: await expectedBytes(url, 200, small.accounts.normal) }),
        httpTarget(`${engine.name} GET /todo If-None-Match (304)`, { url: small.server.url, path: '/todo', headers: revalidation, folder, threads: options.threads, meter: small.meter, expectedBytes: await expectedBytes(url, 304, revalidation) })
      )
    }
    const stopWatching = services.map(({ small }) => watchPeakMemory(small.server.pid))
    const readSamples = await alternate(readTargets.map((target) => ({ target, connections: options.connections })), reads, progress)
    const peaks = await Promise.all(stopWatching.map(async (stop) => round(await stop() / 2 ** 20, 1)))
    await control.stop()
    const controlSummary = summarize(readSamples[0] as Sample[])
    const todoPage = {
      control: controlSummary,
      byEngine: byEngine(services, ({ engine }, index) => {
        const service = summarize(readSamples[1 + 2 * index] as Sample[], withDatabase(engine))
        const revalidated = summarize(readSamples[2 + 2 * index] as Sample[], withDatabase(engine))
        return { service, ratio: ratioOf(service.reqPerSec, controlSummary.reqPerSec), revalidated, revalidatedRatio: ratioOf(revalidated.reqPerSec, controlSummary.reqPerSec), peakRssMb: peaks[index] as number }
      })
    }

    const cacheOff = await measureCacheOff(services, folder, options, reads, progress, keep)

    progress('scenario 2: POST /login, every engine, vs raw argon2id verify calls')
    const loginBody = JSON.stringify({ username: NORMAL_USERNAME, password: BENCH_PASSWORD })
    const loginSamples = await alternate([
      argon2Target('argon2id verify', passwordHash, BENCH_PASSWORD),
      ...services.map(({ engine, small }) => httpTarget(`${engine.name} POST /login`, { url: small.server.url, path: '/login', method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody, folder, threads: options.threads, meter: small.meter }))
    ].map((target) => ({ target, connections: options.writeConnections })), reads, progress)
    const loginControl = summarize(loginSamples[0] as Sample[])
    const login = {
      control: loginControl,
      byEngine: byEngine(services, ({ engine }, index) => {
        const service = summarize(loginSamples[1 + index] as Sample[], withDatabase(engine))
        return { service, ratio: ratioOf(service.reqPerSec, loginControl.reqPerSec) }
      })
    }

    progress(`scenario 3: GET /todo with ${options.smallTasks.toLocaleString('en')} vs ${options.tasks.toLocaleString('en')} tasks, every engine`)
    const scalingByView: Record<View, Array<{ small: Summary, large: Summary, ratio: number }>> = { normal: [], admin: [], anonymous: [] }
    for (const view of VIEWS) {
      const headersOf = (accounts: Accounts) => view === 'anonymous' ? {} : accounts[view]
      const targets = services.flatMap(({ engine, small, large }) => [
        httpTarget(`${engine.name} ${view}, small database`, { url: small.server.url, path: '/todo', headers: headersOf(small.accounts), folder, threads: options.threads, meter: small.meter }),
        httpTarget(`${engine.name} ${view}, large database`, { url: large.server.url, path: '/todo', headers: headersOf(large.accounts), folder, threads: options.threads, meter: large.meter })
      ])
      const samples = await alternate(targets.map((target) => ({ target, connections: options.connections })), reads, progress)
      services.forEach(({ engine }, index) => {
        const small = summarize(samples[2 * index] as Sample[], withDatabase(engine))
        const large = summarize(samples[2 * index + 1] as Sample[], withDatabase(engine))
        scalingByView[view].push({ small, large, ratio: round(small.p50Ms > 0 ? large.p50Ms / small.p50Ms : Infinity, 3) })
      })
    }
    const scaling = byEngine(services, (_, index) => ({ normal: scalingByView.normal[index], admin: scalingByView.admin[index], anonymous: scalingByView.anonymous[index] }) as Record<View, { small: Summary, large: Summary, ratio: number }>)

    progress('scenario 4: POST /todo, PUT /todo/:id and PUT /todo/mark/:id/:status, every engine (PostgreSQL also at its default durability)')
    const writers = services.map(({ engine, small }) => ({ service: small, label: engine.name as string }))
    const postgres = services.find(({ engine }) => engine.name === 'postgres')
    // PostgreSQL at its default durability: a service of its own, measured after the engines' and stopped with the turns.
    const durable = postgres === undefined ? undefined : keep(await startEngineService(postgres.engine, 'small', 'durable', folder, {}, 'server default'))
    if (durable !== undefined) writers.push({ service: { ...durable, accounts: await accountsOf(durable.server.url) }, label: 'postgres, every commit flushed' })
    const writeTargets: Target[] = []
    for (const { service, label } of writers) {
      const { server, accounts, meter } = service
      const ownIds = await ownTaskIds(server.url, accounts.normal)
      const allIds = Array.from({ length: options.smallTasks }, (_, index) => index + 1)
      const json = { 'content-type': 'application/json' }
      writeTargets.push(
        httpTarget(`${label} POST /todo`, { url: server.url, path: '/todo', method: 'POST', headers: { ...accounts.normal, ...json }, body: JSON.stringify({ title: 'Written by the bench', description: 'One of many', due: '2026-12-01' }), folder, threads: options.threads, meter }),
        httpTarget(`${label} PUT /todo/:id`, { url: server.url, script: (threads) => editWalkScript(ownIds, threads, { ...accounts.normal, ...json }, JSON.stringify({ title: 'Edited by the bench' })), folder, threads: options.threads, meter }),
        // Walks the small database's tasks (ids 1..smallTasks on a fresh database), done on one pass, undone on the next.
        httpTarget(`${label} PUT /todo/mark`, { url: server.url, script: (threads) => markWalkScript(allIds, threads, accounts.admin), folder, threads: options.threads, meter })
      )
    }
    const writeSamples = await alternate(writeTargets.map((target) => ({ target, connections: options.writeConnections })), reads, progress)
    await durable?.server.stop()
    const writesOf = (index: number, engine: Engine): WriteSummaries => ({
      createTask: summarize(writeSamples[3 * index] as Sample[], withDatabase(engine)),
      updateTask: summarize(writeSamples[3 * index + 1] as Sample[], withDatabase(engine)),
      markTask: summarize(writeSamples[3 * index + 2] as Sample[], withDatabase(engine))
    })
    const writes = byEngine(services, ({ engine }, index) => writesOf(index, engine))
    const writesEveryCommitFlushed = postgres === undefined ? undefined : writesOf(services.length, postgres.engine)

    const mixedUsers = Math.min(options.users, 200)
    progress(`scenario 7: ${options.mixedDuration} s of mixed load per engine (70% reads, 20% writes, 10% login/refresh, ${mixedUsers} users) on the large database`)
    const mixedSchedule: Schedule = { duration: options.mixedDuration, rounds: options.rounds, warmup: options.warmup }
    const stopWatchingMixed = services.map(({ large }) => watchPeakMemory(large.server.pid))
    const mixedSamples = await alternate(services.map(({ engine, large }) => ({
      target: mixedTarget(`${engine.name} mixed`, { url: large.server.url, folder, users: mixedUsers, meter: large.meter }),
      connections: options.writeConnections
    })), mixedSchedule, progress)
    const mixedPeaks = await Promise.all(stopWatchingMixed.map(async (stop) => round(await stop() / 2 ** 20, 1)))
    const mixed = byEngine(services, ({ engine }, index) => ({
      summary: summarize(mixedSamples[index] as Sample[], withDatabase(engine)),
      byKind: kindsOf(mixedSamples[index] as Sample[]),
      peakRssMb: mixedPeaks[index] as number
    }))

    for (const { small, large } of services) {
      await small.server.stop()
      await large.server.stop()
    }
    const comparisons = { folder, options, schedule: reads, mixedSchedule, mixedUsers, keep }
    const workers = await measureWorkers(engines.list.at(-1) as Engine, comparisons, progress)
    const instances = await measureInstances(engines.list, comparisons, progress)

    const scenarios: BenchScenarios = { todoPage, cacheOff, login, scaling, writes, writesEveryCommitFlushed, mixed, workers, instances }
    return {
      date,
      engines: options.engines,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryMb: Math.round(totalmem() / 2 ** 20),
        node: process.version,
        platform: process.platform,
        loadAverage: { start: round(loadAtStart, 2), end: round(loadavg()[0] ?? 0, 2) }
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
        writeConnections: options.writeConnections,
        threads: options.threads,
        mixedDuration: options.mixedDuration
      },
      generator,
      scenarios,
      targets: judgeTargets(scenarios, generator)
    }
  } catch (error) {
    // What the servers printed, and whether they still run, is what tells a refused run's cause.
    if (error instanceof RefusedRun) error.message += running.map(describeChild).join('')
    throw error
  } finally {
    for (const child of running.reverse()) await child.stop()
    await engines.close()
    await rm(folder, { recursive: true, force: true })
  }
}

function kindsOf (samples: Sample[]): Record<string, number> {
  const kinds: Record<string, number> = {}
  for (const sample of samples) {
    for (const [kind, count] of Object.entries((sample.extra?.byKind ?? {}) as Record<string, number>)) kinds[kind] = (kinds[kind] ?? 0) + count
  }
  return kinds
}

// The ids of the normal user's own tasks (up to 100), which PUT /todo/:id may edit.
async function ownTaskIds (url: string, headers: Record<string, string>): Promise<number[]> {
  const response = await fetch(`${url}/todo?limit=100`, { headers })
  const tasks = await response.json() as Array<{ id: number }>
  if (response.status !== 200 || tasks.length === 0) throw new Error(`GET /todo?limit=100 answered ${response.status} with ${tasks.length} tasks`)
  return tasks.map((task) => task.id)
}

// Scenario 6: the page with the cache off, on every engine, against the minimal handler on the same database.
async function measureCacheOff (services: EngineServices[], folder: string, options: BenchOptions, schedule: Schedule, progress: (line: string) => void,
  keep: (started: MeteredServer) => MeteredServer): Promise<BenchScenarios['cacheOff']> {
  progress('scenario 6: GET /todo with PAGE_CACHE_BYTES=0 vs a minimal handler doing the same work on the same database, every engine')
  const pairs: Array<{ service: MeteredServer, minimal: MeteredServer, headers: Record<string, string> }> = []
  for (const { engine } of services) {
    const service = keep(await startEngineService(engine, 'small', 'cache-off', folder, { PAGE_CACHE_BYTES: '0' }))
    const headers = { authorization: `Bearer ${await logIn(service.server.url, NORMAL_USERNAME)}` }
    const page = await fetchPage(service.server.url, headers)
    const minimal = keep(await startEngineMinimalServer(engine, page.staticHeaders, folder))
    const fromMinimal = await fetch(`${minimal.server.url}/todo`, { headers })
    const minimalBody = Buffer.from(await fromMinimal.arrayBuffer())
    const fromService = await fetch(`${service.server.url}/todo`, { headers })
    if (!minimalBody.equals(page.body) || fromMinimal.headers.get('etag') !== page.etag || fromMinimal.headers.get('link') !== fromService.headers.get('link')) {
      throw new Error(`${engine.name}: the minimal handler does not answer the same bytes, ETag and Link as the service`)
    }
    await fromService.arrayBuffer()
    pairs.push({ service, minimal, headers })
  }
  const targets = pairs.flatMap(({ service, minimal, headers }, index) => {
    const name = services[index]?.engine.name ?? ''
    return [
      httpTarget(`${name} service GET /todo, cache off`, { url: service.server.url, path: '/todo', headers, folder, threads: options.threads, meter: service.meter }),
      httpTarget(`${name} minimal handler GET /todo`, { url: minimal.server.url, path: '/todo', headers, folder, threads: options.threads, meter: minimal.meter })
    ]
  })
  const samples = await alternate(targets.map((target) => ({ target, connections: options.connections })), schedule, progress)
  for (const { service, minimal } of pairs) {
    await minimal.server.stop()
    await service.server.stop()
  }
  return byEngine(services, ({ engine }, index) => {
    const service = samples[2 * index] as Sample[]
    const control = samples[2 * index + 1] as Sample[]
    return { service: summarize(service, { database: engine.backends !== undefined }), control: summarize(control, { database: engine.backends !== undefined }), cpuRatio: round(cpuRatioByRound(service, control), 3) }
  })
}
