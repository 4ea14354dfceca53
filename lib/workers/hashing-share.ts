// argon2 across workers: each worker hashes on its share of the CPUs and holds its share of ARGON2_QUEUE_SIZE, so the
// service as a whole hashes on no more threads than there are CPUs (while WORKERS <= CPUs) and never holds more waiting
// hashes than the setting (but one a worker when the setting is below WORKERS).
import { availableParallelism } from 'node:os'

export function hashingThreadsPerWorker (workers: number, cpus = availableParallelism()): number {
  return Math.max(1, Math.floor(cpus / workers))
}

export function waitingHashesPerWorker (queueSize: number, workers: number): number {
  return queueSize === 0 ? 0 : Math.max(1, Math.floor(queueSize / workers))
}
