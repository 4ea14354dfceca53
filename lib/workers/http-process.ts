// One process answering HTTP: build the server, listen, and close gracefully on SIGTERM/SIGINT. The whole service when
// WORKERS=1; each worker otherwise (lib/workers/worker.ts), with the same code.
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import app from '../../app.js'
import { unsafeSettings, type Config } from '../config.js'
import { describeDatabaseUrl } from '../database/database.js'
import { serverOptions } from '../http/server-options.js'

export interface HttpProcessOptions {
  // The cluster's id of this worker, written on every log line; undefined for the single process of WORKERS=1.
  worker?: number
  // A worker's part in the cluster's shutdown (lib/workers/worker.ts): waits its turn to close after the drain delay,
  // and, its listener closed, for the primary to have taken it out before answering its last requests.
  closing?: {
    waitForTurn: () => Promise<void>
    listenerClosed: () => Promise<void>
  }
}

function buildServer (config: Config, { worker }: HttpProcessOptions): FastifyInstance {
  const options = serverOptions(config)
  if (worker !== undefined && typeof options.logger === 'object') {
    options.logger = { ...options.logger, base: { pid: process.pid, hostname: hostname(), worker } }
  }
  return Fastify(options) as unknown as FastifyInstance
}

// Resolves once the server listens; exits the process when it cannot start.
export async function runHttpProcess (config: Config, options: HttpProcessOptions = {}): Promise<FastifyInstance> {
  const server = buildServer(config, options)
  // Outside production nothing unsafe is refused, but each such setting is said once, as production would refuse it.
  if (config.nodeEnv !== 'production' && options.worker === undefined) {
    for (const { variable, reason } of unsafeSettings(config)) {
      server.log.warn({ event: 'unsafe_configuration', variable }, `${variable} ${reason} (refused when NODE_ENV=production)`)
    }
  }
  // fp() lifts the app's decorators (drain) to the server, where the shutdown below reaches them.
  server.register(fp(app), { config })

  let listening = false
  let stopping = false
  // On a signal: /ready 503 and Connection: close at once, keep serving for the drain delay so the load balancer and
  // the clients move away, then settle (plugins/drain.ts) and close. An error closes at once; so does a signal that
  // comes while the plugins still load, as there is nothing to drain yet.
  // Its own messages (a second signal, the timeout) go to the log too, as JSON lines naming the worker.
  closeWithGrace({ delay: config.shutdownDrainMs + 10_000, logger: server.log }, async function closeServer ({ signal, err }) {
    stopping = true
    if (err !== undefined) {
      server.log.error({ err }, 'closing after an error')
    } else if (!listening) {
      server.log.info({ signal }, 'stopping before the server has started')
    } else {
      server.log.info({ signal, drainMs: config.shutdownDrainMs }, 'draining before closing')
      server.drain.start()
      await sleep(config.shutdownDrainMs)
      await options.closing?.waitForTurn()
      await server.drain.settle(options.closing?.listenerClosed)
      server.log.info({ signal }, 'closing')
    }
    await server.close()
  })

  try {
    // Loaded first, so that a signal which came meanwhile stops the process before it ever listens: a connection
    // accepted then would be reset by the close that follows.
    await server.ready()
    if (stopping) return await new Promise<never>(() => {})
    await server.listen({ port: config.port, host: config.host })
    listening = true
  } catch (error) {
    // Closed by a signal while it was starting: close-with-grace ends the process.
    if (stopping) return await new Promise<never>(() => {})
    server.log.fatal({ err: error, database: describeDatabaseUrl(config.databaseUrl) }, 'could not start')
    process.exit(1)
  }
  return server
}
