// A server run as a child process on a port of its own, and waited for until it answers: the process tests run the built
// service this way, the bench the service and its control server. Not used by the service itself.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createServer } from 'node:net'

export interface ChildExit {
  code: number | null
  output: string
}

export interface ChildServer {
  url: string
  pid: number
  output: () => string
  isRunning: () => boolean
  stop: () => Promise<ChildExit>
}

export interface ChildOptions {
  entry: string
  // Node's own flags, such as the TypeScript loader that a child run from source needs.
  execArgv?: string[]
  cwd?: string
  // The whole environment but PATH: the child inherits nothing else, so that no stray variable changes a run.
  env: Record<string, string>
}

export interface ChildServerOptions extends ChildOptions {
  // Names the child in errors.
  name: string
  // Polled until it answers 2xx.
  readyPath: string
  timeoutMs?: number
}

// How long the server's own graceful close may take before it is killed.
const STOP_GRACE_MS = 15_000

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

// Starts the child and keeps everything it prints, for the error that explains why it did not start.
export function launchChild ({ entry, execArgv = [], cwd, env }: ChildOptions) {
  const child = spawn(process.execPath, [...execArgv, entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code) => resolve({ code, output })))
  return { child, exited, output: () => output }
}

// On Linux: the TCP port a process listens on, found by matching its sockets' inodes with the listening sockets.
function listeningPort (pid: number): number | undefined {
  try {
    const inodes = new Set<string>()
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]
      if (inode !== undefined) inodes.add(inode)
    }
    for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        // sl local_address rem_address st ... inode; st 0A is LISTEN.
        const [, local, , state, , , , , , inode] = line.trim().split(/\s+/)
        if (state === '0A' && inode !== undefined && inodes.has(inode)) return parseInt(local?.split(':')[1] ?? '', 16)
      }
    }
  } catch {
    // The process has exited, or a file descriptor closed while being read: asked again on the next poll.
  }
  return undefined
}

export async function startChildServer (options: ChildServerOptions): Promise<ChildServer> {
  const { name, readyPath, timeoutMs = 60_000 } = options
  // Where Linux says which port a process listens on, the child binds any free port itself; a port picked here and
  // bound later could be taken in between by a parallel test, whose server would then answer in the child's place.
  const fixedPort = existsSync('/proc/self/net/tcp') ? undefined : await freePort()
  const { child, exited, output } = launchChild({ ...options, env: { HOST: '127.0.0.1', PORT: String(fixedPort ?? 0), ...options.env } })
  let running = true
  exited.then(() => { running = false }, () => { running = false })
  const deadline = Date.now() + timeoutMs
  let url: string | undefined
  while (true) {
    if (!running) throw new Error(`${name} exited before answering:\n${output()}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not answer within ${timeoutMs} ms:\n${output()}`)
    }
    if (url === undefined) {
      const port = fixedPort ?? listeningPort(child.pid ?? 0)
      if (port !== undefined) url = `http://127.0.0.1:${port}`
    }
    if (url !== undefined && await fetch(`${url}${readyPath}`).then((response) => response.ok, () => false)) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    pid: child.pid ?? 0,
    output,
    isRunning: () => running,
    // SIGTERM lets the server close gracefully; SIGKILL ends one that hangs.
    async stop () {
      if (running) {
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
        await exited
        clearTimeout(killer)
      }
      return await exited
    }
  }
}
