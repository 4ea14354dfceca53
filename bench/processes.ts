// The processes under load: the service (dist/server.js) and the control servers, each a child process of its own,
// and the peak memory of one of them.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startChildServer, type ChildServer } from '../test/child-server.js'

export type { ChildServer }

const execFileAsync = promisify(execFile)
// A start-up on a machine busy with other work (the tiny run inside npm test) can take a minute: a generous bound.
const START_TIMEOUT_MS = 180_000

// Compiled, this file sits in dist/bench/ beside dist/server.js; from source (the tap test) it sits in bench/.
const fromSource = import.meta.url.endsWith('.ts')
const serviceEntry = fileURLToPath(new URL(fromSource ? '../dist/server.js' : '../server.js', import.meta.url))
const packageJson = fileURLToPath(new URL(fromSource ? '../package.json' : '../../package.json', import.meta.url))
const minimalEntry = fileURLToPath(new URL(fromSource ? './minimal-server.ts' : './minimal-server.js', import.meta.url))
const minimalPostgresEntry = fileURLToPath(new URL(fromSource ? './minimal-postgres-server.ts' : './minimal-postgres-server.js', import.meta.url))
const controlEntry = fileURLToPath(new URL(fromSource ? './control-server.ts' : './control-server.js', import.meta.url))
// From source the control servers need the TypeScript loader this process runs under; compiled they need nothing. The
// service is always the compiled dist/server.js: a loader would slow its start and swell its memory.
const childExecArgv = fromSource ? process.execArgv : []

// The Node flags of `npm run serve` (what npm start runs), so that the bench measures the service as it is run.
export function serviceNodeFlags (): string[] {
  const { scripts } = JSON.parse(readFileSync(packageJson, 'utf8')) as { scripts: Record<string, string> }
  const match = /^exec node((?: --\S+)*) dist\/server\.js$/.exec(scripts.serve ?? '')
  if (match === null) throw new Error('package.json\'s "serve" script must read `exec node [--flag ...] dist/server.js`')
  // The service runs in the bench's scratch folder: a preloaded file named relative to the project must be found from there.
  const projectRoot = dirname(packageJson)
  return (match[1] as string).split(' ').filter((flag) => flag !== '')
    .map((flag) => flag.replace(/^(--require=)(\.\.?\/.*)$/, (_, option: string, path: string) => option + resolve(projectRoot, path)))
}

// The service with its defaults, minus the rate limits, which would turn the load into 429s (an engine that measures
// them sets them in extraEnv). NODE_ENV stays unset: production mode only adds start-up checks, one of which refuses
// RATE_LIMIT_AUTH=0.
export async function startService (databaseUrl: string, cwd: string, extraEnv: Record<string, string> = {}): Promise<ChildServer> {
  return await startChildServer({
    name: 'the service',
    entry: serviceEntry,
    execArgv: serviceNodeFlags(),
    cwd,
    env: {
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_AUTH: '0',
      RATE_LIMIT_GLOBAL: '0',
      // Logins that run at once each hold one attempt of the failure allowance while argon2 checks them (plugins/login-throttle.ts).
      LOGIN_FAILURE_LIMIT: '1000',
      // Every bench client shares one address, which holds at most a quarter of the password slots (plugins/passwords.ts).
      ARGON2_QUEUE_SIZE: '1000',
      // Long enough that no token expires during a run.
      ACCESS_TOKEN_TTL: '86400',
      // Nothing balances load between bench runs, so a stop need not wait for clients to move away.
      SHUTDOWN_DRAIN_MS: '0',
      ...extraEnv
    },
    readyPath: '/health',
    timeoutMs: START_TIMEOUT_MS
  })
}

export async function startControlServer (bodyFile: string, contentType: string, cwd: string): Promise<ChildServer> {
  return await startChildServer({
    name: 'the control server',
    entry: controlEntry,
    execArgv: childExecArgv,
    cwd,
    env: { BODY_FILE: bodyFile, CONTENT_TYPE: contentType },
    readyPath: '/todo',
    timeoutMs: START_TIMEOUT_MS
  })
}

// The cache-off scenario's control: the minimal handler on the same database (bench/minimal-server.ts on a SQLite
// file, bench/minimal-postgres-server.ts on a PostgreSQL URL).
export async function startMinimalServer (databaseUrl: string, staticHeaders: Record<string, string>, cwd: string): Promise<ChildServer> {
  const sqlite = databaseUrl.startsWith('sqlite:')
  return await startChildServer({
    name: 'the minimal handler',
    entry: sqlite ? minimalEntry : minimalPostgresEntry,
    execArgv: childExecArgv,
    cwd,
    env: { ...(sqlite ? { SQLITE_FILE: databaseUrl.slice('sqlite:'.length) } : { POSTGRES_URL: databaseUrl }), STATIC_HEADERS: JSON.stringify(staticHeaders) },
    readyPath: '/ready',
    timeoutMs: START_TIMEOUT_MS
  })
}

function statusField (pid: number, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match === null ? undefined : Number(match[1]) * 1024
}

async function sampleResidentBytes (pid: number): Promise<number> {
  if (existsSync(`/proc/${pid}/status`)) return statusField(pid, 'VmRSS') ?? 0
  const { stdout } = await execFileAsync('ps', ['-o', 'rss=', '-p', String(pid)])
  return Number(stdout.trim()) * 1024
}

// Peak resident memory of a process from now until the returned function is called, in bytes. RSS is sampled
// every 100 ms; on Linux the kernel also keeps the exact peak (VmHWM), which is reset here first.
export function watchPeakMemory (pid: number): () => Promise<number> {
  let exactPeak = false
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    exactPeak = true
  } catch {}
  let peak = 0
  const sample = async () => { peak = Math.max(peak, await sampleResidentBytes(pid).catch(() => 0)) }
  const timer = setInterval(sample, 100)
  return async function stop () {
    clearInterval(timer)
    await sample()
    return exactPeak ? Math.max(peak, statusField(pid, 'VmHWM') ?? 0) : peak
  }
}
