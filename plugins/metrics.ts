// Prometheus metrics for GET /metrics: requests and latency by route and status, logins, refresh-token reuse,
// rate-limit rejections and the database pool. Outcomes are read from reply.errorCode in one onResponse hook,
// so no route handler counts anything itself. With WORKERS>1 a scrape answers for the whole service: the service's
// counts are summed over the workers, and each process's own figures carry a `worker` label.
import cluster from 'node:cluster'
import { createRequire } from 'node:module'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { poolState } from '../lib/database/database.js'
import { documentedPath } from '../lib/openapi/route-path.js'
import { exposeToPrimary } from '../lib/workers/cluster-metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    // This process's metrics, in the app's own registry (not prom-client's global one), so that several apps in one
    // process never mix their counts.
    metrics: Registry
    // The exposition GET /metrics answers: this process's metrics, or the whole service's with WORKERS>1.
    scrapeMetrics: () => Promise<string>
  }
}

const LOGIN_RESULTS = ['success', 'invalid_credentials', 'account_disabled'] as const
const UNMATCHED_ROUTE = '(unmatched)'

// The route pattern, not the URL, so ids do not make a series each; written as the OpenAPI document writes it.
function routeLabel (url: string | undefined): string {
  return url === undefined ? UNMATCHED_ROUTE : documentedPath(url)
}

const require = createRequire(import.meta.url)
type DefaultMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void

// Gauges that prom-client names like counters (`_total`), which `promtool check metrics` refuses; the same counts are
// there as nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
export const DROPPED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

// prom-client's default metrics but its GC histogram, whose PerformanceObserver has Node build an entry and call into
// JS after every collection: 8-20 us of a request that allocates a page (measured with npm run bench). Each is its own module.
function collectDefaultMetricsButGc (registry: Registry): void {
  for (const name of collectDefaultMetrics.metricsList) {
    if (name === 'gc') continue
    const collect = require(`prom-client/lib/metrics/${name}`) as DefaultMetric
    collect(registry, { eventLoopMonitoringPrecision: 10 })
  }
  for (const name of DROPPED_DEFAULT_METRICS) registry.removeSingleMetric(name)
}

// A worker's own figures (memory, CPU, event loop, its pool) keep a series each, labelled with the worker, instead of
// prom-client's cluster aggregation (averaged, or left out as process_start_time_seconds is).
function labelByWorker (registry: Registry, worker: number): void {
  registry.setDefaultLabels({ worker: String(worker) })
  for (const metric of registry.getMetricsAsArray()) (metric as unknown as { aggregator: string }).aggregator = 'first'
}

export default fp(async function metrics (fastify) {
  // The service's counts (summed over workers) and this process's own figures (labelled by worker).
  const registry = new Registry()
  const processRegistry = new Registry()
  collectDefaultMetricsButGc(processRegistry)

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry]
  })
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry]
  })
  const logins = new Counter({
    name: 'auth_logins_total',
    help: 'POST /login outcomes: success, invalid_credentials (unknown user or wrong password), account_disabled',
    labelNames: ['result'] as const,
    registers: [registry]
  })
  const refreshReuse = new Counter({
    name: 'auth_refresh_token_reuse_total',
    help: 'Spent refresh tokens presented again (each revoked its whole session)',
    registers: [registry]
  })
  const rateLimited = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429 rate_limited, by route pattern',
    labelNames: ['route'] as const,
    registers: [registry]
  })
  // 1 while Redis (REDIS_URL) does not answer and the limits count in this process instead (plugins/redis.ts);
  // read at scrape time, so it needs no dependency on the redis plugin (0 where there is none).
  const storeFallback = new Gauge({
    name: 'rate_limit_store_fallback',
    help: 'Whether the rate limits and the login throttle count per instance because Redis does not answer (1) or not (0)',
    registers: [processRegistry],
    collect () {
      this.set(fastify.redisFallback?.active === true ? 1 : 0)
    }
  })
  registry.registerMetric(fastify.loadShed.counter)
  for (const result of LOGIN_RESULTS) logins.inc({ result }, 0)
  storeFallback.set(0)
  refreshReuse.inc(0)

  const { db } = fastify
  // Read at scrape time; PostgreSQL only, since SQLite has a single connection and no pool.
  const poolGauge = (name: string, help: string, read: (state: NonNullable<ReturnType<typeof poolState>>) => number) => new Gauge({
    name,
    help,
    registers: [processRegistry],
    collect () {
      const state = poolState(db)
      if (state !== undefined) this.set(read(state))
    }
  })
  if (poolState(db) !== undefined) {
    poolGauge('db_pool_max_connections', 'Most connections the pool may open (DATABASE_POOL_SIZE)', (state) => state.max)
    poolGauge('db_pool_connections', 'Connections open now, idle or in use', (state) => state.total)
    poolGauge('db_pool_idle_connections', 'Open connections waiting for a query', (state) => state.idle)
    poolGauge('db_pool_waiting_requests', 'Queries waiting for a free connection', (state) => state.waiting)
  }

  // One series per method, route and status, looked up once: prom-client hashes the label values on every call.
  const seriesByAnswer = new Map<string, { route: string, requests: ReturnType<typeof requests.labels>, duration: ReturnType<typeof duration.labels> }>()
  function seriesOf (method: string, url: string | undefined, statusCode: number) {
    const key = `${method} ${statusCode} ${url ?? ''}`
    let series = seriesByAnswer.get(key)
    if (series === undefined) {
      const labels = { method, route: routeLabel(url), status_code: String(statusCode) }
      series = { route: labels.route, requests: requests.labels(labels), duration: duration.labels(labels) }
      seriesByAnswer.set(key, series)
    }
    return series
  }

  // A callback hook: it runs on every answer, and has nothing to wait for.
  fastify.addHook('onResponse', function countResponse (request, reply, done) {
    const series = seriesOf(request.method, request.routeOptions.url, reply.statusCode)
    series.requests.inc()
    series.duration.observe(reply.elapsedTime / 1000)
    const { route } = series

    const code = reply.errorCode
    if (route === '/login' && request.method === 'POST') {
      if (reply.statusCode === 200) logins.inc({ result: 'success' })
      else if (code === 'invalid_credentials' || code === 'account_disabled') logins.inc({ result: code })
    }
    if (code === 'refresh_token_reused') refreshReuse.inc()
    if (code === 'rate_limited') rateLimited.inc({ route })
    done()
  })

  const worker = cluster.worker?.id
  if (worker !== undefined) labelByWorker(processRegistry, worker)
  const own = Registry.merge([processRegistry, registry])
  fastify.decorate('metrics', own)
  fastify.decorate('scrapeMetrics', worker === undefined ? async () => await own.metrics() : exposeToPrimary([processRegistry, registry]))
}, { name: 'metrics', dependencies: ['db', 'errors', 'load-shed'] })
