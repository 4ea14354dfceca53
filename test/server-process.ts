// Runs the built server (dist/server.js, which `npm test` builds first) as a real process, for tests that need
// real ports or exit codes. Compiling on the fly would cost each start many seconds on a small machine.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const serverEntry = fileURLToPath(new URL('../dist/server.js', import.meta.url))

export interface ProcessResult {
  code: number | null
  output: string
}

export interface RunningServer {
  url: string
  output: () => string
  stop: () => Promise<ProcessResult>
}

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

function launch (env: Record<string, string>) {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`npm run build\` (npm test does)`)
  const child = spawn(process.execPath, [serverEntry], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = new Promise<ProcessResult>((resolve) => child.once('exit', (code) => resolve({ code, output })))
  return { child, exited, output: () => output }
}

// Runs the server until it exits by itself (or is killed after timeoutMs): for configurations it must refuse.
export async function runUntilExit (env: Record<string, string>, timeoutMs = 60_000): Promise<ProcessResult> {
  const { child, exited } = launch(env)
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

export async function startServer (env: Record<string, string>, timeoutMs = 60_000): Promise<RunningServer> {
  const port = await freePort()
  const { child, exited, output } = launch({ HOST: '127.0.0.1', PORT: String(port), ...env })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  let running = true
  exited.then(() => { running = false }, () => { running = false })
  while (true) {
    if (!running) throw new Error(`server exited before answering:\n${output()}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not answer within ${timeoutMs} ms:\n${output()}`)
    }
    const healthy = await fetch(`${url}/health`).then((response) => response.ok, () => false)
    if (healthy) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    output,
    stop: async () => {
      if (running) child.kill('SIGTERM')
      return await exited
    }
  }
}
