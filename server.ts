// The process: read configuration, build the server, listen, and close gracefully on SIGTERM/SIGINT.
import { existsSync } from 'node:fs'
import Fastify from 'fastify'
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
server.register(app, { config })

closeWithGrace({ delay: 10_000 }, async function closeServer ({ signal, err }) {
  if (err !== undefined) server.log.error({ err }, 'closing after an error')
  else server.log.info({ signal }, 'closing')
  await server.close()
})

try {
  await server.listen({ port: config.port, host: config.host })
} catch (error) {
  server.log.fatal({ err: error, database: describeDatabaseUrl(config.databaseUrl) }, 'could not start')
  process.exit(1)
}
