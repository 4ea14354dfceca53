// The processes under load: the service (dist/server.js) and the control server, each a child process of
// its own so that neither shares a thread with autocannon, and the peak memory of one of them.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

// Compiled, this file sits in dist/bench/ beside dist/server.js; from source (the tap test) it sits in bench/.
const fromSource = import.meta.url.endsWith('.ts')
const serviceEntry = fileURLToPath(new URL(fromSource ? '../dist/server.js' : '../server.js', import.meta.url))
const controlEntry = fileURLToPath(new URL(fromSource ? './control-server.ts' : './control-server.js', import.meta.url))
// From source the child needs the TypeScript loader this process runs under; compiled it needs nothing.
const childExecArgv = fromSource ? process.execArgv : []

export interface ChildServer {
  url: string
  pid: number
  stop: () => Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

async function startChild (name: string, entry: string, env: Record<string, string>, cwd: string, readyPath: string): Promise<ChildServer> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [...childExecArgv, entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (chunk) => { output += chunk })
  child.stderr?.on('data', (chunk) => { output += chunk })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let running = true
  exited.then(() => { running = false }, () => { running = false })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (true) {
    if (!running) throw new Error(`${name} exited before answering:\n${output}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not answer within 60 s:\n${output}`)
    }
    if (await fetch(`${url}${readyPath}`).then((response) => response.ok, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    pid: child.pid ?? 0,
    async stop () {
      if (!running) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(killer)
    }
  }
}

// The service with its defaults, minus the rate limits, which would turn the load into 429s. NODE_ENV stays
// unset: production mode only adds start-up checks, one of which refuses RATE_LIMIT_AUTH=0.
export async function startService (databaseUrl: string, cwd: string): Promise<ChildServer> {
  return await startChild('the service', serviceEntry, {
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_AUTH: '0',
    RATE_LIMIT_GLOBAL: '0',
    // Long enough that no token expires during a run.
    ACCESS_TOKEN_TTL: '86400'
  }, cwd, '/health')
}

export async function startControlServer (bodyFile: string, contentType: string, cwd: string): Promise<ChildServer> {
  return await startChild('the control server', controlEntry, { BODY_FILE: bodyFile, CONTENT_TYPE: contentType }, cwd, '/todo')
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
