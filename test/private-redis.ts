// A redis-server of the test's own on a free port, which the test may stall (SIGSTOP), resume or kill without
// touching the shared Redis. Tests skip (loudly) where redis-server is not installed.
import { spawn, spawnSync } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from './child-server.js'

export const redisServerMissing = spawnSync('redis-server', ['--version']).error === undefined ? false : 'redis-server is not installed'

export interface PrivateRedis {
  url: string
  stall: () => void
  resume: () => void
  kill: () => Promise<void>
  // A client for checking what the service stored; bounded, so it fails instead of hanging on a stalled server.
  client: () => Redis
}

export interface PrivateRedisOptions {
  // The server refuses clients without it (requirepass); url stays without it, so tests choose what the service sends.
  password?: string
}

export async function startPrivateRedis (t: { teardown: (fn: () => unknown) => void }, port?: number, { password }: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  port ??= await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password === undefined ? [] : ['--requirepass', password])], { stdio: 'ignore' })
  let running = true
  const exited = new Promise<void>((resolve) => server.once('exit', () => { running = false; resolve() }))
  const url = `redis://127.0.0.1:${port}/0`
  const clients: Redis[] = []
  const kill = async () => {
    for (const client of clients) client.disconnect()
    if (!running) return
    server.kill('SIGCONT')
    server.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { password, lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null })
    // Refused connections while the server starts are expected; connect() reports them.
    probe.on('error', () => {})
    try {
      await probe.connect()
      await probe.ping()
      break
    } catch (error) {
      if (attempt > 50) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      probe.disconnect()
    }
  }
  return {
    url,
    stall: () => server.kill('SIGSTOP'),
    resume: () => server.kill('SIGCONT'),
    kill,
    client () {
      const client = new Redis(url, { password, commandTimeout: 2000, maxRetriesPerRequest: 1 })
      // Its commands report failures; the reconnect attempts after a kill need no report of their own.
      client.on('error', () => {})
      clients.push(client)
      return client
    }
  }
}
