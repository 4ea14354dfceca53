// Answers refused, or work dropped, to keep the service responsive: counted for /metrics and logged at most once a
// second (a flood would otherwise write a line per refused request).
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'

export type ShedReason = 'event_loop' | 'password_queue' | 'client_gone'

declare module 'fastify' {
  interface FastifyInstance {
    loadShed: {
      record: (reason: ShedReason) => void
      // Registered by the metrics plugin in its registry.
      counter: Counter<'reason'>
    }
  }
}

const LOG_INTERVAL_MS = 1_000
const REASONS: ShedReason[] = ['event_loop', 'password_queue', 'client_gone']

export default fp(async function loadShed (fastify) {
  const counter = new Counter({
    name: 'load_shed_total',
    help: 'Requests refused with 503 to keep the service responsive (event_loop, password_queue), and password hashes not started because the client had gone (client_gone)',
    labelNames: ['reason'] as const,
    registers: []
  })
  for (const reason of REASONS) counter.inc({ reason }, 0)

  let unlogged = new Map<ShedReason, number>()
  let lastLog = 0
  function record (reason: ShedReason): void {
    counter.inc({ reason })
    unlogged.set(reason, (unlogged.get(reason) ?? 0) + 1)
    const now = Date.now()
    if (now - lastLog < LOG_INTERVAL_MS) return
    fastify.log.warn({ event: 'load_shed', counts: Object.fromEntries(unlogged) }, 'shedding load')
    unlogged = new Map()
    lastLog = now
  }

  fastify.decorate('loadShed', { record, counter })
}, { name: 'load-shed' })
