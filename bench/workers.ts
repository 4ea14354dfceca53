// WORKERS=1 against WORKERS=2 (a primary and two workers, lib/workers/) on one engine: authenticated GET /todo and the
// mixed load, alternating; req/s, CPU per request of every process of the service (and of its database backends), and
// the peak RSS of the primary and of each worker.
import { processTree } from './cpu.js'
import { startEngineService, type Engine, type EngineName } from './engines.js'
import { alternate, round, type Sample } from './load.js'
import { compare, mixedOn, readTarget, type Comparison, type ComparisonContext } from './one-against-two.js'
import { watchPeakMemory } from './processes.js'

export interface WorkersResult {
  engine: EngineName
  todoPage: Comparison
  mixed: Comparison
  // Peak RSS in MB during each load: WORKERS=1's one process; WORKERS=2's primary and each worker.
  rssMb: { todoPage: WorkersRss, mixed: WorkersRss }
}

export interface WorkersRss { one: number, two: { primary: number, workers: number[] } }

function rssOf (one: number[], two: number[]): WorkersRss {
  return { one: one[0] ?? 0, two: { primary: two[0] ?? 0, workers: two.slice(1) } }
}

// Peak RSS of every process of a service, in MB, the primary first.
function watchTree (pid: number): () => Promise<number[]> {
  const stops = processTree(pid).map((member) => watchPeakMemory(member))
  return async () => await Promise.all(stops.map(async (stop) => round(await stop() / 2 ** 20, 1)))
}

export async function measureWorkers (engine: Engine, context: ComparisonContext, progress: (line: string) => void): Promise<WorkersResult> {
  const { folder, options, keep } = context
  progress(`workers: WORKERS=1 against WORKERS=2 on ${engine.name}, GET /todo and the mixed load`)
  const start = async (size: 'small' | 'large', workers: number) => keep(await startEngineService(engine, size, `workers${workers}-${size}`, folder, { WORKERS: String(workers) }))
  const [oneSmall, twoSmall, oneLarge, twoLarge] = await Promise.all([start('small', 1), start('small', 2), start('large', 1), start('large', 2)])
  const watchers = [oneSmall, twoSmall, oneLarge, twoLarge].map(({ server }) => watchTree(server.pid))
  const database = engine.backends !== undefined
  const reads = await alternate([
    { target: await readTarget('WORKERS=1 GET /todo', oneSmall, context), connections: options.connections },
    { target: await readTarget('WORKERS=2 GET /todo', twoSmall, context), connections: options.connections }
  ], context.schedule, progress)
  const mixed = await alternate([oneLarge, twoLarge].map((service, index) => ({
    target: mixedOn(`WORKERS=${index + 1} mixed`, service, context),
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
