// CPU a service spends, from /proc: its process and every descendant (the workers of WORKERS>1), and on PostgreSQL the
// server backends of its connections, found by the application_name its database URL gives them.
import { readdirSync, readFileSync } from 'node:fs'
import pg from 'pg'

// Clock ticks of /proc/PID/stat (CLK_TCK, 100 on Linux).
const TICKS_PER_SECOND = 100

// CPU seconds (user + system, every thread) a process has used so far; 0 once it has exited.
export function cpuSeconds (pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND
  } catch {
    return 0
  }
}

function childrenOf (pid: number): number[] {
  const children: number[] = []
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      if (listed !== '') children.push(...listed.split(' ').map(Number))
    }
  } catch {
    // Exited meanwhile.
  }
  return children
}

// The process and all its descendants.
export function processTree (pid: number): number[] {
  const found = [pid]
  for (let index = 0; index < found.length; index++) found.push(...childrenOf(found[index] as number))
  return found
}

// CPU so far, per process: a process that appears between two readings counts from 0; one that exits is lost.
export type CpuReading = Map<number, number>

export interface CpuSnapshot {
  service: CpuReading
  database: CpuReading
}

export interface CpuSpent {
  // Seconds of the service's processes, and of the database server's backends serving it (0 on SQLite).
  service: number
  database: number
}

function spentBetween (before: CpuReading, after: CpuReading): number {
  let total = 0
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0)
  return Math.max(0, total)
}

export function cpuSpent (before: CpuSnapshot, after: CpuSnapshot): CpuSpent {
  return { service: spentBetween(before.service, after.service), database: spentBetween(before.database, after.database) }
}

export interface CpuMeter {
  snapshot: () => Promise<CpuSnapshot>
}

// The PostgreSQL backends of one application_name, read through a connection of the bench's own (named apart).
export class PostgresBackends {
  private readonly client: pg.Client
  private connected: Promise<void> | undefined

  constructor (adminUrl: string) {
    this.client = new pg.Client({ connectionString: adminUrl, application_name: 'todo-bench-meter', connectionTimeoutMillis: 5000, query_timeout: 10_000 })
  }

  async cpuOf (applicationName: string): Promise<CpuReading> {
    this.connected ??= this.client.connect().then(() => {})
    await this.connected
    const { rows } = await this.client.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName])
    return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)]))
  }

  async close (): Promise<void> {
    if (this.connected !== undefined) await this.client.end()
  }
}

export function serviceMeter (pid: number, database?: { backends: PostgresBackends, applicationName: string }): CpuMeter {
  return {
    async snapshot () {
      const service = new Map(processTree(pid).map((member) => [member, cpuSeconds(member)]))
      return { service, database: database === undefined ? new Map() : await database.backends.cpuOf(database.applicationName) }
    }
  }
}

// A database URL whose connections PostgreSQL lists under `name` (pg reads application_name from the query string).
export function withApplicationName (url: string, name: string): string {
  const named = new URL(url)
  named.searchParams.set('application_name', name)
  return named.toString()
}
