// /metrics of WORKERS>1: the worker that gets the scrape asks the primary, which gathers every ready worker's metrics
// and sums them with prom-client's own aggregation, so one scrape answers for the whole service.
import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry } from 'prom-client'
import { ApiError } from '../api-error.js'
import { isWorkerReady } from './messages.js'

// A worker's metrics must reach the primary within this; the primary's answer must reach the scraped worker within
// SCRAPE_TIMEOUT_MS (longer, so that a slow worker is reported by the primary rather than by a bare timeout).
export const GATHER_TIMEOUT_MS = 3_000
export const SCRAPE_TIMEOUT_MS = 5_000

const SCRAPE = 'todo:metrics-scrape'
const SCRAPED = 'todo:metrics-scraped'
const GATHER = 'todo:metrics-gather'
const GATHERED = 'todo:metrics-gathered'

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

interface Message { type?: unknown, id?: unknown, text?: unknown, error?: unknown, metrics?: unknown }

// A 503 (with Retry-After, plugins/errors.ts): the scraper tries again at its next interval.
export class ClusterMetricsUnavailable extends ApiError {
  constructor (reason: string) {
    super(503, 'service_unavailable', `The service's metrics could not be gathered: ${reason}`)
    this.name = 'ClusterMetricsUnavailable'
  }
}

// A worker that has just exited cannot be written to: without a callback, Node would raise that as an 'error' event.
function sendTo (worker: Worker, message: object): void {
  if (worker.isConnected()) worker.send(message, undefined, undefined, () => {})
}

let lastId = 0
// Sends a message to the other side and resolves with its answer (matched by id), or rejects past timeoutMs.
async function ask<T> (send: (message: object) => void, on: (listener: (message: Message) => void) => () => void,
  request: object, answerType: string, timeoutMs: number, read: (answer: Message) => T): Promise<T> {
  const id = ++lastId
  return await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new ClusterMetricsUnavailable(`no answer within ${timeoutMs} ms`)) }, timeoutMs)
    const off = on((message) => {
      if (message?.type !== answerType || message.id !== id) return
      clearTimeout(timer)
      off()
      try {
        resolve(read(message))
      } catch (error) {
        reject(error)
      }
    })
    send({ ...request, id })
  })
}

// In a worker: answers the primary's gathering with these registries, and returns what a scrape calls.
export function exposeToPrimary (registries: Registry[]): () => Promise<string> {
  process.on('message', (message: Message) => {
    if (message?.type !== GATHER) return
    Promise.all(registries.map(async (registry) => await registry.getMetricsAsJSON()))
      .then((metrics) => process.send?.({ type: GATHERED, id: message.id, metrics }))
      .catch((error: Error) => process.send?.({ type: GATHERED, id: message.id, error: error.message }))
  })
  const onProcessMessage = (listener: (message: Message) => void) => {
    process.on('message', listener)
    return () => { process.off('message', listener) }
  }
  return async function scrapeService () {
    return await ask((message) => process.send?.(message), onProcessMessage, { type: SCRAPE }, SCRAPED, SCRAPE_TIMEOUT_MS, (answer) => {
      if (typeof answer.text === 'string') return answer.text
      throw new ClusterMetricsUnavailable(String(answer.error))
    })
  }
}

// In the primary: answers every worker's scrape with the sum over the workers that have said they are ready.
export function gatherForWorkers (): () => void {
  const ready = new Set<Worker>()
  const onWorkerMessage = (worker: Worker, listener: (message: Message) => void) => {
    const forWorker = (message: Message) => listener(message)
    worker.on('message', forWorker)
    return () => { worker.off('message', forWorker) }
  }

  async function gather (): Promise<string> {
    const parts = await Promise.all([...ready].map(async (worker) => await ask((message) => { sendTo(worker, message) },
      (listener) => onWorkerMessage(worker, listener), { type: GATHER }, GATHERED, GATHER_TIMEOUT_MS, (answer) => {
        if (!Array.isArray(answer.metrics)) throw new ClusterMetricsUnavailable(`worker ${worker.id}: ${String(answer.error)}`)
        return answer.metrics as MetricsJson[]
      })))
    return await AggregatorRegistry.aggregate(parts.flat()).metrics()
  }

  function onMessage (worker: Worker, message: Message): void {
    if (isWorkerReady(message)) {
      ready.add(worker)
      return
    }
    if (message?.type !== SCRAPE) return
    gather().then(
      (text) => { sendTo(worker, { type: SCRAPED, id: message.id, text }) },
      (error: Error) => { sendTo(worker, { type: SCRAPED, id: message.id, error: error.message }) }
    )
  }
  const onExit = (worker: Worker) => { ready.delete(worker) }
  cluster.on('message', onMessage)
  cluster.on('exit', onExit)
  return () => {
    cluster.off('message', onMessage)
    cluster.off('exit', onExit)
  }
}
