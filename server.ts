// The process: read configuration, then run the service as one HTTP process (WORKERS=1), or as the primary or one
// worker of a cluster (lib/workers/). The primary imports none of the app, which keeps it small.
import cluster from 'node:cluster'
import { existsSync } from 'node:fs'
import { ConfigError, loadConfig, type Config } from './lib/config.js'

if (existsSync('.env')) process.loadEnvFile('.env')

let config: Config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}

if (config.workers === 1) {
  const { runHttpProcess } = await import('./lib/workers/http-process.js')
  await runHttpProcess(config)
} else if (cluster.isPrimary) {
  const { runPrimary } = await import('./lib/workers/primary.js')
  await runPrimary(config)
} else {
  const { runWorker } = await import('./lib/workers/worker.js')
  await runWorker(config)
}
