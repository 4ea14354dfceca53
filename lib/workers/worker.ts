// A worker of WORKERS>1: the same HTTP process as WORKERS=1, which tells the primary once it answers, and closes in
// step with the primary (lib/workers/messages.ts).
import cluster from 'node:cluster'
import type { Config } from '../config.js'
import { runHttpProcess } from './http-process.js'
import { CLOSE_TURN, CLOSE_TURN_REQUEST, LISTENER_CLOSED, LISTENER_CLOSED_ACK, WORKER_READY, isMessage, type MessageType, type WorkerMessage } from './messages.js'

// Bounds on waiting for the primary: past them the worker closes anyway (a primary gone or stuck must not hold it).
// Each worker closes in well under a second after its drain; WORKERS of them wait in turn.
const TURN_WAIT_MS = 15_000
const ACK_WAIT_MS = 2_000

async function ask (request: MessageType, answer: MessageType, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs)
    function done (): void {
      clearTimeout(timer)
      process.off('message', onMessage)
      resolve()
    }
    function onMessage (message: unknown): void {
      if (isMessage(message, answer)) done()
    }
    process.on('message', onMessage)
    const sent: WorkerMessage = { type: request }
    if (process.send?.(sent, undefined, undefined, (error) => { if (error !== null) done() }) !== true) done()
  })
}

export async function runWorker (config: Config): Promise<void> {
  // SIGHUP is the primary's (a rolling restart, which replaces this worker); a terminal hanging up must not end it.
  process.on('SIGHUP', () => {})
  await runHttpProcess(config, {
    worker: cluster.worker?.id,
    closing: {
      waitForTurn: async () => await ask(CLOSE_TURN_REQUEST, CLOSE_TURN, TURN_WAIT_MS),
      listenerClosed: async () => await ask(LISTENER_CLOSED, LISTENER_CLOSED_ACK, ACK_WAIT_MS)
    }
  })
  const ready: WorkerMessage = { type: WORKER_READY }
  process.send?.(ready)
}
