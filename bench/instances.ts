// One instance of the service against two (two processes, each on a port of its own, on one PostgreSQL database and,
// on postgres+redis, one Redis), as behind a load balancer: authenticated GET /todo and the mixed load, alternating.
// The two are loaded at the same time, each by a wrk of its own with its share of the connections, threads and
// users; their answers and their CPU (each instance's processes and its own PostgreSQL backends) are summed.
import { startEngineService, type Engine, type EngineName, type MeteredServer } from './engines.js'
import { alternate, split, together, type Sample, type Schedule, type Target } from './load.js'
import { compare, mixedOn, readTarget, type Comparison, type ComparisonContext } from './one-against-two.js'

export type InstancesResult = { engine: EngineName, todoPage: Comparison, mixed: Comparison } | { engine: null, skipped: string }

// docs/operations.md: SQLite is for one machine, one process or its workers; instances share PostgreSQL.
export const SQLITE_SKIPPED = 'SQLite is for one machine (one process, or its workers), not for instances; they share PostgreSQL'

// As production runs instances: with the shared limits of Redis if the run has them.
function engineFor (engines: Engine[]): Engine | undefined {
  return engines.find(({ name }) => name === 'postgres+redis') ?? engines.find(({ name }) => name === 'postgres')
}

// The load of one instance; `part`, when it is one of two loaded together: its index and how many there are.
type Load = (label: string, service: MeteredServer, part?: { index: number, of: number }) => Promise<Target>

interface Measure { engine: Engine, context: ComparisonContext, progress: (line: string) => void }

// Starts one instance and two on the `size` database, loads one alone and the two together in turns, then stops them.
async function oneAgainstTwo ({ engine, context, progress }: Measure, size: 'small' | 'large', what: string, load: Load, connections: number, schedule: Schedule): Promise<Comparison> {
  const start = async (role: string) => context.keep(await startEngineService(engine, size, `instance-${role}-${size}`, context.folder))
  const [one, ...two] = await Promise.all(['one', 'a', 'b'].map(start)) as [MeteredServer, MeteredServer, MeteredServer]
  const parts = await Promise.all(two.map(async (service, index) => await load(`instance ${index + 1} of 2 ${what}`, service, { index, of: two.length })))
  const samples = await alternate([
    { target: await load(`one instance ${what}`, one), connections },
    { target: together(`two instances ${what}`, parts), connections }
  ], schedule, progress)
  for (const service of [one, ...two]) await service.server.stop()
  return compare(samples[0] as Sample[], samples[1] as Sample[], engine.backends !== undefined)
}

export async function measureInstances (engines: Engine[], context: ComparisonContext, progress: (line: string) => void): Promise<InstancesResult> {
  const engine = engineFor(engines)
  if (engine === undefined) {
    progress(`instances: skipped, ${SQLITE_SKIPPED}`)
    return { engine: null, skipped: SQLITE_SKIPPED }
  }
  progress(`instances: one instance against two on ${engine.name}, GET /todo and the mixed load`)
  const { options, mixedUsers } = context
  const measure = { engine, context, progress }
  // Two wrk processes of half the threads each: the generator has as many threads against two instances as against one.
  const read: Load = async (label, service, part) => await readTarget(label, service, context, part === undefined ? options.threads : split(options.threads, part.of)[part.index] as number)
  // Each instance its own users, so that no two connections share one (as mixed.ts keeps them).
  const mixed: Load = async (label, service, part) => {
    if (part === undefined) return mixedOn(label, service, context)
    const shares = split(mixedUsers, part.of)
    return mixedOn(label, service, context, { firstUser: shares.slice(0, part.index).reduce((sum, share) => sum + share, 0), users: shares[part.index] as number })
  }
  return {
    engine: engine.name,
    todoPage: await oneAgainstTwo(measure, 'small', 'GET /todo', read, options.connections, context.schedule),
    mixed: await oneAgainstTwo(measure, 'large', 'mixed', mixed, options.writeConnections, context.mixedSchedule)
  }
}
