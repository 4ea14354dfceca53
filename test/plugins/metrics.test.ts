// The metrics plugin alone: counts by route pattern and status, and outcomes read from reply.errorCode.
import { createRequire } from 'node:module'
import { PerformanceObserver } from 'node:perf_hooks'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics } from 'prom-client'
import { test } from 'tap'
import { ApiError } from '../../lib/api-error.js'
import { openDatabase } from '../../lib/database/database.js'
import errors from '../../plugins/errors.js'
import loadShed from '../../plugins/load-shed.js'
import metrics, { DROPPED_DEFAULT_METRICS } from '../../plugins/metrics.js'

async function buildMetricsApp (t: { teardown: (fn: () => unknown) => void }) {
  const app = Fastify()
  const { db } = openDatabase('sqlite::memory:')
  await app.register(fp(async function fakeDb (fastify) { fastify.decorate('db', db) }, { name: 'db' }))
  await app.register(errors)
  await app.register(loadShed)
  await app.register(metrics)
  app.get('/items/:id', async function showItem () { return { ok: true } })
  app.post('/login', async function fakeLogin (request) {
    const outcome = (request.body as { outcome: string }).outcome
    if (outcome === 'wrong') throw new ApiError(401, 'invalid_credentials', 'Wrong username or password')
    if (outcome === 'disabled') throw new ApiError(403, 'account_disabled', 'This account is disabled')
    if (outcome === 'limited') throw new ApiError(429, 'rate_limited', 'Too many requests')
    if (outcome === 'invalid') throw new ApiError(400, 'validation_error', 'body/username is missing')
    return { access_token: 'x' }
  })
  app.post('/refresh', async function fakeRefresh () { throw new ApiError(401, 'refresh_token_reused', 'This refresh token was already used') })
  await app.ready()
  t.teardown(async () => { await app.close(); await db.destroy() })
  return app
}

function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

test('requests are counted and timed by method, route pattern and status; unknown routes share one label', async (t) => {
  const app = await buildMetricsApp(t)
  for (const id of ['1', '2', '3']) await app.inject({ method: 'GET', url: `/items/${id}` })
  await app.inject({ method: 'GET', url: '/no/such/route' })
  await app.inject({ method: 'GET', url: '/another/unknown/7' })
  const text = await app.metrics.metrics()
  t.equal(sample(text, 'http_requests_total{method="GET",route="/items/:id",status_code="200"}'), 3, 'one series for every id')
  t.equal(sample(text, 'http_requests_total{method="GET",route="(unmatched)",status_code="404"}'), 2, 'unknown URLs make no series of their own')
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"}'), 3)
  t.match(text, /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/items\/:id",status_code="200"\} \d+/)
  t.notMatch(text, /route="\/items\/1"/)
})

test('logins, refresh-token reuse and rate-limit rejections are counted from the error code', async (t) => {
  const app = await buildMetricsApp(t)
  const before = await app.metrics.metrics()
  t.equal(sample(before, 'auth_logins_total{result="success"}'), 0, 'login series exist from the start')
  t.equal(sample(before, 'auth_logins_total{result="invalid_credentials"}'), 0)
  t.equal(sample(before, 'auth_logins_total{result="account_disabled"}'), 0)
  t.equal(sample(before, 'auth_refresh_token_reuse_total'), 0)

  for (const outcome of ['ok', 'ok', 'wrong', 'wrong', 'wrong', 'disabled', 'limited', 'invalid']) {
    await app.inject({ method: 'POST', url: '/login', payload: { outcome } })
  }
  await app.inject({ method: 'POST', url: '/refresh', payload: {} })
  await app.inject({ method: 'POST', url: '/refresh', payload: {} })

  const text = await app.metrics.metrics()
  t.equal(sample(text, 'auth_logins_total{result="success"}'), 2)
  t.equal(sample(text, 'auth_logins_total{result="invalid_credentials"}'), 3)
  t.equal(sample(text, 'auth_logins_total{result="account_disabled"}'), 1)
  t.equal(sample(text, 'auth_refresh_token_reuse_total'), 2)
  t.equal(sample(text, 'rate_limit_rejections_total{route="/login"}'), 1)
  t.equal(sample(text, 'http_requests_total{method="POST",route="/login",status_code="400"}'), 1, 'a malformed login is a request, not a login')
})

test('the registry is the app\'s own: two apps in one process count apart, and default process metrics are there', async (t) => {
  const first = await buildMetricsApp(t)
  const second = await buildMetricsApp(t)
  await first.inject({ method: 'GET', url: '/items/1' })
  t.equal(sample(await first.metrics.metrics(), 'http_requests_total{method="GET",route="/items/:id",status_code="200"}'), 1)
  t.equal(sample(await second.metrics.metrics(), 'http_requests_total{method="GET",route="/items/:id",status_code="200"}'), undefined)
  t.match(await first.metrics.metrics(), /^process_cpu_user_seconds_total \d/m)
  t.match(await first.metrics.metrics(), /^nodejs_eventloop_lag_seconds /m)
  t.notMatch(await first.metrics.metrics(), /db_pool_/, 'SQLite has no pool to report')
})

test('prom-client\'s default metrics are all there but its GC histogram and the gauges named like counters: nothing observes garbage collections', async (t) => {
  const observed: string[] = []
  const observe = PerformanceObserver.prototype.observe
  PerformanceObserver.prototype.observe = function recordObserved (this: PerformanceObserver, options) {
    observed.push(...('entryTypes' in options ? options.entryTypes : [options.type]))
    observe.call(this, options)
  }
  t.teardown(() => { PerformanceObserver.prototype.observe = observe })
  const app = await buildMetricsApp(t)
  t.notOk(observed.includes('gc'), `observed entry types: ${observed.join(', ') || 'none'}`)

  const text = await app.metrics.metrics()
  const require = createRequire(import.meta.url)
  for (const name of collectDefaultMetrics.metricsList) {
    const { metricNames } = require(`prom-client/lib/metrics/${name}`) as { metricNames: string[] }
    for (const metric of metricNames) {
      if (name === 'gc' || DROPPED_DEFAULT_METRICS.includes(metric)) t.notMatch(text, new RegExp(`^# TYPE ${metric} `, 'm'), `${metric} left out`)
      else t.match(text, new RegExp(`^# TYPE ${metric} `, 'm'), `${metric} kept`)
    }
  }
})
