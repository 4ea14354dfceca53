// The three ways the service stores its state, each measured in the same run: SQLite; PostgreSQL; PostgreSQL with
// REDIS_URL (a redis-server of the bench's own) and the rate limits on, as production runs it (production refuses
// limits off). The two PostgreSQL engines share one pair of databases.
import type { ChildServer } from '../test/child-server.js'
import { startPrivateRedis } from '../test/private-redis.js'
import { PostgresBackends, serviceMeter, withApplicationName, type CpuMeter } from './cpu.js'
import { postgresDatabases, sqliteDatabases, type DatabasePair } from './databases.js'
import { startMinimalServer, startService } from './processes.js'

export const ENGINE_NAMES = ['sqlite', 'postgres', 'postgres+redis'] as const
export type EngineName = typeof ENGINE_NAMES[number]

// Every limit counted, as production counts it, with allowances no bench load reaches (a refused request would end
// the run): the cost of counting does not depend on the allowance.
export const LIMITS_ON = { RATE_LIMIT_GLOBAL: '100000000', RATE_LIMIT_AUTH: '1000000', LOGIN_FAILURE_LIMIT: '1000' }

export interface Engine {
  name: EngineName
  databases: DatabasePair
  // Beyond DATABASE_URL and processes.ts's defaults.
  env: Record<string, string>
  // PostgreSQL's backends, for their CPU; undefined on SQLite.
  backends: PostgresBackends | undefined
}

export interface MeteredServer {
  server: ChildServer
  meter: CpuMeter
}

export interface Engines {
  list: Engine[]
  close: () => Promise<void>
}

export async function openEngines (names: EngineName[], folder: string, postgresUrl: string): Promise<Engines> {
  const cleanups: Array<() => unknown> = []
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
  try {
    const list: Engine[] = []
    let postgres: { databases: DatabasePair, backends: PostgresBackends } | undefined
    for (const name of names) {
      if (name === 'sqlite') {
        list.push({ name, databases: sqliteDatabases(folder), env: {}, backends: undefined })
        continue
      }
      if (postgres === undefined) {
        const databases = await postgresDatabases(postgresUrl)
        cleanups.push(databases.remove)
        const backends = new PostgresBackends(postgresUrl)
        cleanups.push(async () => await backends.close())
        postgres = { databases, backends }
      }
      let env: Record<string, string> = {}
      if (name === 'postgres+redis') {
        const redis = await startPrivateRedis({ teardown: (cleanup) => { cleanups.push(cleanup) } })
        env = { REDIS_URL: redis.url, ...LIMITS_ON }
      }
      list.push({ name, ...postgres, env })
    }
    return { list, close }
  } catch (error) {
    await close()
    throw error
  }
}

// SQLite commits with synchronous=NORMAL: each commit reaches the operating system, not the disk, so a power loss may
// lose the last ones. PostgreSQL's default flushes every commit to disk first; synchronous_commit=off is its equal
// (the database stays consistent; a crash of the server or the machine may lose the last moments' commits). The
// engines are compared at equal durability; scenario 4 measures PostgreSQL's default too.
export type Durability = 'as SQLite' | 'server default'
const AS_SQLITE = '-c synchronous_commit=off'

// Each service has an application_name of its own, by which its PostgreSQL backends are told apart from the others'.
function applicationName (engine: Engine, role: string): string {
  return `todo-bench-${engine.name.replace('+', '-')}-${role}`
}

function meterFor (engine: Engine, role: string, pid: number): CpuMeter {
  return serviceMeter(pid, engine.backends === undefined ? undefined : { backends: engine.backends, applicationName: applicationName(engine, role) })
}

function urlFor (engine: Engine, size: 'small' | 'large', role: string, durability: Durability): string {
  const url = engine.databases[size]
  if (engine.backends === undefined) return url
  const named = new URL(withApplicationName(url, applicationName(engine, role)))
  if (durability === 'as SQLite') named.searchParams.set('options', AS_SQLITE)
  return named.toString()
}

// `role` names this service among the others on the same engine.
export async function startEngineService (engine: Engine, size: 'small' | 'large', role: string, folder: string, extraEnv: Record<string, string> = {},
  durability: Durability = 'as SQLite'): Promise<MeteredServer> {
  const server = await startService(urlFor(engine, size, role, durability), folder, { ...engine.env, ...extraEnv })
  return { server, meter: meterFor(engine, role, server.pid) }
}

export async function startEngineMinimalServer (engine: Engine, staticHeaders: Record<string, string>, folder: string): Promise<MeteredServer> {
  const server = await startMinimalServer(urlFor(engine, 'small', 'minimal', 'as SQLite'), staticHeaders, folder)
  return { server, meter: meterFor(engine, 'minimal', server.pid) }
}
