// What a worker tells the primary over the cluster channel.
export const WORKER_READY = 'worker-ready'

export interface WorkerReadyMessage {
  type: typeof WORKER_READY
}

export function isWorkerReady (message: unknown): message is WorkerReadyMessage {
  return (message as { type?: unknown } | null)?.type === WORKER_READY
}
