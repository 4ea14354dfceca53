// The process: read configuration, build the server, listen, and close gracefully on SIGTERM/SIGINT.
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import closeWithGrace from 'close-with-grace'
import app from './app.js'
import { ConfigError, loadConfig, unsafeSettings, type Config } from './lib/config.js'
import { describeDatabaseUrl } from './lib/database.js'
import { serverOptions } from './lib/server-options.js'

if (existsSync('.env')) process.loadEnvFile('.env')

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

const server = Fastify(serverOptions(config))
// Outside production nothing unsafe is refused, but each such setting is said once, as production would refuse it.
if (config.nodeEnv !== 'production') {
  for (const { variable, reason } of unsafeSettings(config)) {
    server.log.warn({ event: 'unsafe_configuration', variable }, `${variable} ${reason} (refused when NODE_ENV=production)`)
  }
}
// fp() lifts the app's decorators (drain) to the server, where the shutdown below reaches them.
server.register(fp(app), { config })

// On a signal: /ready 503 and Connection: close at once, keep serving for the drain delay so the load balancer and
// the clients move away, then stop listening and close connections only between requests. An error closes at once.
closeWithGrace({ delay: config.shutdownDrainMs + 10_000 }, async function closeServer ({ signal, err }) {
  if (err !== undefined) {
    server.log.error({ err }, 'closing after an error')
  } else {
    server.log.info({ signal, drainMs: config.shutdownDrainMs }, 'draining before closing')
    server.drain.start()
    await sleep(config.shutdownDrainMs)
    server.log.info({ signal }, 'closing')
  }
  await server.close()
})

try {
  await server.listen({ port: config.port, host: config.host })
} catch (error) {
  server.log.fatal({ err: error, database: describeDatabaseUrl(config.databaseUrl) }, 'could not start')
  process.exit(1)
}
