// The primary of WORKERS>1: serves no HTTP; starts the workers (the first alone: it migrates, creates the bootstrap
// admin and the first signing key with the app's own code, so the primary loads none of it and stays small), supervises
// them, and turns signals into drains (SIGTERM, SIGINT) and rolling restarts (SIGHUP).
import { hostname } from 'node:os'
import pino, { type Logger } from 'pino'
import { unsafeSettings, type Config } from '../config.js'
import { LOG_REDACTION } from '../redaction/log-redaction.js'
import { CRASH_LIMIT, CRASH_WINDOW_MS } from './crash-window.js'
import { startPrimaryServices } from './primary-services.js'
import { Supervisor } from './supervisor.js'

function primaryLogger (config: Config): Logger {
  return pino({ level: config.logLevel, base: { pid: process.pid, hostname: hostname(), worker: 'primary' }, ...LOG_REDACTION })
}

export async function runPrimary (config: Config): Promise<void> {
  const logger = primaryLogger(config)
  // Said once for the service, by the primary, as the single process says it (lib/workers/http-process.ts).
  if (config.nodeEnv !== 'production') {
    for (const { variable, reason } of unsafeSettings(config)) {
      logger.warn({ event: 'unsafe_configuration', variable }, `${variable} ${reason} (refused when NODE_ENV=production)`)
    }
  }
  const services = await startPrimaryServices(config, logger)
  let stopping = false

  async function exit (code: number): Promise<never> {
    await services.close().catch((error: unknown) => logger.error({ err: error }, 'closing the primary\'s services failed'))
    logger.flush()
    process.exit(code)
  }

  const supervisor = new Supervisor({
    logger,
    onCrashLoop () {
      if (stopping) return
      stopping = true
      logger.fatal({ event: 'crash_loop', exits: CRASH_LIMIT, withinMs: CRASH_WINDOW_MS },
        `workers exited unexpectedly ${CRASH_LIMIT} times within ${CRASH_WINDOW_MS / 1000} s: stopping the service instead of restarting them again (see the workers' log lines above)`)
      supervisor.stopAll().finally(async () => await exit(1)).catch(() => {})
    }
  })

  async function stop (signal: NodeJS.Signals): Promise<void> {
    if (stopping) {
      logger.error({ event: 'second_signal', signal }, `second ${signal}: exiting at once`)
      supervisor.killAll()
      await exit(1)
    }
    stopping = true
    logger.info({ event: 'service_stopping', signal, workers: supervisor.workerCount }, 'draining every worker before stopping')
    const clean = await supervisor.stopAll()
    logger.info({ event: 'service_stopped', clean }, clean ? 'every worker has drained: stopped' : 'stopped; a worker did not exit cleanly')
    await exit(clean ? 0 : 1)
  }
  process.on('SIGTERM', (signal) => { stop(signal).catch(() => {}) })
  process.on('SIGINT', (signal) => { stop(signal).catch(() => {}) })
  process.on('SIGHUP', () => { supervisor.restartOneByOne().catch(() => {}) })

  logger.info({ event: 'service_starting', workers: config.workers }, `starting ${config.workers} workers`)
  try {
    await supervisor.start(config.workers)
  } catch (error) {
    if (stopping) return
    stopping = true
    logger.fatal({ event: 'first_worker_failed', err: error }, 'the first worker could not start (its log lines above say why): the service does not start')
    await supervisor.stopAll()
    await exit(1)
  }
  if (!stopping) logger.info({ event: 'workers_ready', workers: supervisor.workerCount }, `${supervisor.workerCount} workers answer`)
}
