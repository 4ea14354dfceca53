// WORKERS=1 against WORKERS=2 (a primary and two workers, lib/workers/) on one engine: authenticated GET /todo and the
// mixed load, alternating; req/s, CPU per request of every process of the service (and of its database backends), and
// the peak RSS of the primary and of each worker.
import { processTree } from './cpu.js'
import { startEngineService, type Engine, type EngineName, type MeteredServer } from './engines.js'
import { alternate, httpTarget, round, summarize, type Sample, type Schedule, type Summary } from './load.js'
import { mixedTarget } from './mixed.js'
import type { BenchOptions } from './options.js'
import { watchPeakMemory } from './processes.js'
import { logIn } from './run.js'
import { NORMAL_USERNAME } from './seed.js'

export interface WorkersComparison { one: Summary, two: Summary, ratio: number }

export interface WorkersResult {
  engine: EngineName
  todoPage: WorkersComparison
  mixed: WorkersComparison
  // Peak RSS in MB during each load: WORKERS=1's one process; WORKERS=2's primary and each worker.
  rssMb: { todoPage: WorkersRss, mixed: WorkersRss }
}

export interface WorkersRss { one: number, two: { primary: number, workers: number[] } }

function rssOf (one: number[], two: number[]): WorkersRss {
  return { one: one[0] ?? 0, two: { primary: two[0] ?? 0, workers: two.slice(1) } }
}

export interface WorkersContext {
  folder: string
  options: BenchOptions
  schedule: Schedule
  mixedSchedule: Schedule
  mixedUsers: number
  keep: (started: MeteredServer) => MeteredServer
}

function compare (one: Sample[], two: Sample[], database: boolean): WorkersComparison {
  const [first, second] = [summarize(one, { database }), summarize(two, { database })]
  return { one: first, two: second, ratio: round(first.reqPerSec > 0 ? second.reqPerSec / first.reqPerSec : 0, 3) }
}

// Peak RSS of every process of a service, in MB, the primary first.
function watchTree (pid: number): () => Promise<number[]> {
  const stops = processTree(pid).map((member) => watchPeakMemory(member))
  return async () => await Promise.all(stops.map(async (stop) => round(await stop() / 2 ** 20, 1)))
}

export async function measureWorkers (engine: Engine, context: WorkersContext, progress: (line: string) => void): Promise<WorkersResult> {
  const { folder, options, keep } = context
  progress(`workers: WORKERS=1 against WORKERS=2 on ${engine.name}, GET /todo and the mixed load`)
  const start = async (size: 'small' | 'large', workers: number) => keep(await startEngineService(engine, size, `workers${workers}-${size}`, folder, { WORKERS: String(workers) }))
  const [oneSmall, twoSmall, oneLarge, twoLarge] = await Promise.all([start('small', 1), start('small', 2), start('large', 1), start('large', 2)])
  const watchers = [oneSmall, twoSmall, oneLarge, twoLarge].map(({ server }) => watchTree(server.pid))
  const database = engine.backends !== undefined
  const read = async (service: MeteredServer, label: string) => httpTarget(label, {
    url: service.server.url,
    path: '/todo',
    headers: { authorization: `Bearer ${await logIn(service.server.url, NORMAL_USERNAME)}` },
    folder,
    threads: options.threads,
    meter: service.meter
  })
  const reads = await alternate([
    { target: await read(oneSmall, 'WORKERS=1 GET /todo'), connections: options.connections },
    { target: await read(twoSmall, 'WORKERS=2 GET /todo'), connections: options.connections }
  ], context.schedule, progress)
  const mixed = await alternate([oneLarge, twoLarge].map((service, index) => ({
    target: mixedTarget(`WORKERS=${index + 1} mixed`, { url: service.server.url, folder, users: context.mixedUsers, meter: service.meter }),
    connections: options.writeConnections
  })), context.mixedSchedule, progress)
  const [oneSmallRss, twoSmallRss, oneLargeRss, twoLargeRss] = await Promise.all(watchers.map(async (stop) => await stop())) as [number[], number[], number[], number[]]
  for (const service of [oneSmall, twoSmall, oneLarge, twoLarge]) await service.server.stop()
  return {
    engine: engine.name,
    todoPage: compare(reads[0] as Sample[], reads[1] as Sample[], database),
    mixed: compare(mixed[0] as Sample[], mixed[1] as Sample[], database),
    rssMb: { todoPage: rssOf(oneSmallRss, twoSmallRss), mixed: rssOf(oneLargeRss, twoLargeRss) }
  }
}
