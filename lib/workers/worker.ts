// A worker of WORKERS>1: the same HTTP process as WORKERS=1, which tells the primary once it answers.
import cluster from 'node:cluster'
import type { Config } from '../config.js'
import { runHttpProcess } from './http-process.js'
import { WORKER_READY, type WorkerReadyMessage } from './messages.js'

export async function runWorker (config: Config): Promise<void> {
  // SIGHUP is the primary's (a rolling restart, which replaces this worker); a terminal hanging up must not end it.
  process.on('SIGHUP', () => {})
  await runHttpProcess(config, { worker: cluster.worker?.id })
  const ready: WorkerReadyMessage = { type: WORKER_READY }
  process.send?.(ready)
}
