// Runs the built server (dist/server.js, which `npm test` builds first) as a real process, for tests that need
// real ports or exit codes. Compiling on the fly would cost each start many seconds on a small machine.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { checkServerAnswers } from './contract.js'
import { launchChild, startChildServer, type ChildExit, type ChildServer } from './child-server.js'

export { freePort, type ChildServer as RunningServer } from './child-server.js'

const serverEntry = fileURLToPath(new URL('../dist/server.js', import.meta.url))

function builtServer (env: Record<string, string>) {
  if (!existsSync(serverEntry)) throw new Error(`${serverEntry} is missing: run \`npm run build\` (npm test does)`)
  // A short drain, so that stopping a server does not cost each test the production default of seconds.
  return { entry: serverEntry, env: { LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: '100', ...env } }
}

// Runs the server until it exits by itself (or is killed after timeoutMs): for configurations it must refuse.
export async function runUntilExit (env: Record<string, string>, timeoutMs = 60_000, execArgv: string[] = []): Promise<ChildExit> {
  const { child, exited } = launchChild({ ...builtServer(env), execArgv })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

// execArgv: Node's flags for the server (and its workers), such as a test fixture loaded with --import.
export async function startServer (env: Record<string, string>, timeoutMs = 60_000, execArgv: string[] = []): Promise<ChildServer> {
  // Every answer fetched from it must be one the OpenAPI document promises (test/contract.ts).
  return checkServerAnswers(await startChildServer({ ...builtServer(env), execArgv, name: 'server', readyPath: '/health', timeoutMs }))
}
