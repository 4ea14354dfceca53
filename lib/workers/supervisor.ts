// Keeps WORKERS workers running: starts them, replaces one that exits unexpectedly, replaces them one at a time on
// request (a rolling restart), and stops them all. Says in the log what it does to which worker.
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { CrashWindow } from './crash-window.js'
import { CLOSE_TURN, CLOSE_TURN_REQUEST, LISTENER_CLOSED, LISTENER_CLOSED_ACK, isMessage, isWorkerReady, type WorkerMessage } from './messages.js'

export interface SupervisorOptions {
  logger: Logger
  // Called once when workers exit unexpectedly too often to go on replacing them.
  onCrashLoop: () => void
  crashWindow?: CrashWindow
}

export class WorkerExitedBeforeReady extends Error {
  constructor (readonly code: number | null, readonly signal: string | null) {
    super(`the worker exited before it answered (exit code ${String(code)}, signal ${String(signal)})`)
    this.name = 'WorkerExitedBeforeReady'
  }
}

export class Supervisor {
  private readonly living = new Set<Worker>()
  // Workers asked to stop (a rolling restart, a shutdown): their exit is expected.
  private readonly stopped = new WeakSet<Worker>()
  private readonly crashWindow: CrashWindow
  private stopping = false
  private restarting = false
  private crashLooping = false
  // Until the first worker answers, an exit is a failed start, not a crash to repair.
  private started = false
  // Drained workers close one at a time, in the order they asked: the one closing, and those waiting their turn.
  private closing: Worker | undefined
  private readonly waitingToClose: Worker[] = []

  constructor (private readonly options: SupervisorOptions) {
    this.crashWindow = options.crashWindow ?? new CrashWindow()
  }

  get workerCount (): number {
    return this.living.size
  }

  // The first worker alone (it migrates, creates the bootstrap admin and the first key), then the others together.
  async start (count: number): Promise<void> {
    // A rolling restart asked for meanwhile is ignored: every worker starts on the code now on disk anyway.
    this.restarting = true
    try {
      await this.fork()
      this.started = true
      await Promise.all(Array.from({ length: count - 1 }, async () => await this.fork().catch(() => {})))
    } finally {
      this.restarting = false
    }
  }

  // Resolves once the worker answers; rejects when it exits before.
  fork (): Promise<Worker> {
    const worker = cluster.fork()
    this.living.add(worker)
    const { logger } = this.options
    const pid = worker.process.pid
    logger.info({ event: 'worker_started', workerId: worker.id, workerPid: pid }, `worker ${worker.id} started (pid ${String(pid)})`)
    return new Promise((resolve, reject) => {
      let ready = false
      worker.on('message', (message) => {
        this.onClosingMessage(worker, message)
        if (!isWorkerReady(message) || ready) return
        ready = true
        logger.info({ event: 'worker_ready', workerId: worker.id, workerPid: pid }, `worker ${worker.id} answers (pid ${String(pid)})`)
        resolve(worker)
      })
      worker.once('exit', (code, signal) => {
        this.living.delete(worker)
        this.closed(worker)
        this.onExit(worker, code, signal)
        if (!ready) reject(new WorkerExitedBeforeReady(code, signal))
      })
    })
  }

  private onClosingMessage (worker: Worker, message: unknown): void {
    if (isMessage(message, CLOSE_TURN_REQUEST)) {
      this.waitingToClose.push(worker)
      this.nextToClose()
    } else if (isMessage(message, LISTENER_CLOSED)) {
      // Handled after the cluster's own message that took the worker out of the distribution: the channel keeps order.
      this.tell(worker, LISTENER_CLOSED_ACK)
    }
  }

  private nextToClose (): void {
    if (this.closing !== undefined) return
    this.closing = this.waitingToClose.shift()
    if (this.closing !== undefined) this.tell(this.closing, CLOSE_TURN)
  }

  private closed (worker: Worker): void {
    const waiting = this.waitingToClose.indexOf(worker)
    if (waiting >= 0) this.waitingToClose.splice(waiting, 1)
    if (this.closing === worker) {
      this.closing = undefined
      this.nextToClose()
    }
  }

  private tell (worker: Worker, type: WorkerMessage['type']): void {
    const message: WorkerMessage = { type }
    // A worker that has just exited cannot be told anything; its exit moves the turn on.
    if (worker.isConnected()) worker.send(message, undefined, () => {})
  }

  private onExit (worker: Worker, code: number | null, signal: string | null): void {
    const { logger } = this.options
    const subject = { workerId: worker.id, workerPid: worker.process.pid, code, signal }
    if (this.stopped.has(worker)) {
      logger.info({ event: 'worker_exited', ...subject, expected: true }, `worker ${worker.id} stopped (exit code ${String(code)})`)
      return
    }
    logger.error({ event: 'worker_exited', ...subject, expected: false }, `worker ${worker.id} exited unexpectedly (exit code ${String(code)}, signal ${String(signal)})`)
    if (!this.started || this.stopping || this.crashLooping) return
    if (this.crashWindow.record()) {
      this.crashLooping = true
      this.options.onCrashLoop()
      return
    }
    logger.warn({ event: 'worker_replaced', workerId: worker.id }, `replacing worker ${worker.id}`)
    this.fork().catch(() => {})
  }

  // One worker at a time: the new one answers before the old one drains, so the service never has fewer workers.
  async restartOneByOne (): Promise<void> {
    const { logger } = this.options
    if (this.restarting || this.stopping) {
      logger.warn({ event: 'rolling_restart_ignored' }, 'SIGHUP ignored: the workers are starting, restarting or stopping')
      return
    }
    this.restarting = true
    logger.info({ event: 'rolling_restart_started', workers: this.living.size }, 'rolling restart: replacing the workers one at a time')
    try {
      for (const old of [...this.living]) {
        if (this.stopping) return
        if (!this.living.has(old)) continue
        try {
          await this.fork()
        } catch (error) {
          if (this.stopping) return
          logger.error({ event: 'rolling_restart_failed', err: error }, 'rolling restart stopped: a new worker did not start; the others are left as they are')
          return
        }
        await this.stop(old)
      }
      logger.info({ event: 'rolling_restart_done', workers: this.living.size }, 'rolling restart done')
    } finally {
      this.restarting = false
    }
  }

  // Runs each worker's drain (SIGTERM, as for WORKERS=1); true when every worker exited with code 0.
  async stopAll (): Promise<boolean> {
    this.stopping = true
    const results = await Promise.all([...this.living].map(async (worker) => await this.stop(worker)))
    return results.every((clean) => clean)
  }

  // No drain: for a second signal.
  killAll (): void {
    this.stopping = true
    for (const worker of this.living) {
      this.stopped.add(worker)
      worker.process.kill('SIGKILL')
    }
  }

  private async stop (worker: Worker): Promise<boolean> {
    this.stopped.add(worker)
    if (worker.process.exitCode !== null || worker.process.signalCode !== null) return worker.process.exitCode === 0 || worker.process.signalCode === 'SIGTERM'
    // A worker still loading when the signal comes may end by it, before it could answer anything: clean too.
    const exited = new Promise<boolean>((resolve) => worker.once('exit', (code, signal) => resolve(code === 0 || signal === 'SIGTERM')))
    worker.process.kill('SIGTERM')
    return await exited
  }
}
