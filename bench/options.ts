// The bench's command line: sizes, timings, engines and load, with defaults that make the full run.
import { parseArgs } from 'node:util'
import { ENGINE_NAMES, type EngineName } from './engines.js'

export interface BenchOptions {
  engines: EngineName[]
  // PostgreSQL server on which the bench creates (and afterwards drops) its two databases.
  postgresUrl: string
  // Tasks and users of the large database (scenario 3); every user owns tasks / users of them.
  tasks: number
  users: number
  // Tasks of the small database that every other scenario runs on, owned the same way.
  smallTasks: number
  // Seconds of measurement per target (service or control), split into `rounds` alternating slices.
  duration: number
  rounds: number
  // Seconds of unmeasured load per target first, so the JIT and the caches are warm.
  warmup: number
  // Connections of the reads; of the writes, logins and the mixed load; wrk threads at most.
  connections: number
  writeConnections: number
  threads: number
  // Seconds of scenario 7's mixed load.
  mixedDuration: number
  out: string
}

export const USAGE = `npm run bench -- [options]
  --engines LIST       comma-separated, side by side in one run (sqlite,postgres,postgres+redis); PostgreSQL
                       databases are made and dropped on BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/postgres),
                       postgres+redis runs a redis-server of its own
  --tasks N            tasks in the large database (1000000)
  --users N            users in the large database (10000); each owns tasks/users tasks
  --small-tasks N      tasks in the small database, owned the same way (1000)
  --duration S         seconds measured per target, service and control alike (10)
  --rounds N           alternating slices the duration is split into (5)
  --warmup S           unmeasured seconds per target before measuring (2)
  --connections N      concurrent connections of the reads (32)
  --write-connections N  of the writes, logins (and argon2 calls) and the mixed load (16)
  --threads N          wrk threads at most (2)
  --mixed-duration S   seconds of scenario 7's mixed load, per engine, split into the rounds (60)
  --out FILE           where the results go (bench/results.json)`

export class UsageError extends Error {
  name = 'UsageError'
}

function positive (name: string, raw: string | undefined, fallback: number, { integer = true } = {}): number {
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${raw}"`)
  }
  return value
}

export const PAGE_SIZE = 20

export function parseOptions (argv: string[], env: Record<string, string | undefined> = process.env): BenchOptions {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        engines: { type: 'string' },
        tasks: { type: 'string' },
        users: { type: 'string' },
        'small-tasks': { type: 'string' },
        duration: { type: 'string' },
        rounds: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        'write-connections': { type: 'string' },
        threads: { type: 'string' },
        'mixed-duration': { type: 'string' },
        out: { type: 'string' }
      }
    }).values
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const options: BenchOptions = {
    engines: parseEngines(values.engines),
    postgresUrl: env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    tasks: positive('tasks', values.tasks, 1_000_000),
    users: positive('users', values.users, 10_000),
    smallTasks: positive('small-tasks', values['small-tasks'], 1_000),
    duration: positive('duration', values.duration, 10, { integer: false }),
    rounds: positive('rounds', values.rounds, 5),
    warmup: positive('warmup', values.warmup, 2, { integer: false }),
    connections: positive('connections', values.connections, 32),
    writeConnections: positive('write-connections', values['write-connections'], 16),
    threads: positive('threads', values.threads, 2),
    mixedDuration: positive('mixed-duration', values['mixed-duration'], 60, { integer: false }),
    out: values.out ?? 'bench/results.json'
  }
  const perUser = options.tasks / options.users
  // Both databases give the measured user the same number of tasks, so scenario 3 compares table sizes only.
  if (!Number.isInteger(perUser) || perUser <= PAGE_SIZE) {
    throw new UsageError(`--tasks must be a multiple of --users with more than ${PAGE_SIZE} tasks each, so a user's page is full`)
  }
  if (options.smallTasks % perUser !== 0 || options.smallTasks > options.tasks) {
    throw new UsageError(`--small-tasks must be a multiple of ${perUser} (tasks per user) and at most --tasks`)
  }
  return options
}

function parseEngines (raw: string | undefined): EngineName[] {
  if (raw === undefined) return [...ENGINE_NAMES]
  const names = raw.split(',').map((name) => name.trim())
  const unknown = names.find((name) => !(ENGINE_NAMES as readonly string[]).includes(name))
  if (unknown !== undefined || names.length === 0) throw new UsageError(`--engines takes a comma-separated list of ${ENGINE_NAMES.join(', ')}, got "${raw}"`)
  // In the order of ENGINE_NAMES, each once: the table's columns.
  return ENGINE_NAMES.filter((name) => names.includes(name))
}

export function tasksPerUser (options: BenchOptions): number {
  return options.tasks / options.users
}
