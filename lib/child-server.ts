// A server run as a child process on a free port, and waited for until it answers: the process tests run the built
// service this way, the bench the service and its control server. Not used by the service itself.
import { spawn } from 'node:child_process'
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

export async function startChildServer (options: ChildServerOptions): Promise<ChildServer> {
  const { name, readyPath, timeoutMs = 60_000 } = options
  const port = await freePort()
  const { child, exited, output } = launchChild({ ...options, env: { HOST: '127.0.0.1', PORT: String(port), ...options.env } })
  let running = true
  exited.then(() => { running = false }, () => { running = false })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  while (true) {
    if (!running) throw new Error(`${name} exited before answering:\n${output()}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${name} did not answer within ${timeoutMs} ms:\n${output()}`)
    }
    if (await fetch(`${url}${readyPath}`).then((response) => response.ok, () => false)) break
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
