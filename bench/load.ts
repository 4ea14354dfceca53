// Load generation and its numbers: autocannon against a URL, argon2 verify calls in a loop, and the
// alternation that measures a target and its control in turns so that both see the same machine.
import { performance } from 'node:perf_hooks'
import { setTimeout } from 'node:timers/promises'
import autocannon from 'autocannon'
import { verify } from '@node-rs/argon2'

export interface Sample {
  responses: number
  seconds: number
  // Milliseconds, at full resolution: autocannon's own histogram rounds to whole milliseconds.
  latencies: number[]
  failures: number
  statusCodes: Record<string, number>
}

export interface Summary {
  requests: number
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  // Failed requests, timeouts and answers outside 2xx; always 0 in a reported run, since any of them refuses it.
  errors: number
  statusCodes: Record<string, number>
}

export interface Target {
  label: string
  // Applies `connections` concurrent callers for `seconds` and reports what came back.
  run: (seconds: number, connections: number) => Promise<Sample>
}

const MAX_SETTLE_MS = 2000

export interface HttpRequest {
  url: string
  method?: 'GET' | 'POST' | 'PUT'
  headers?: Record<string, string>
  body?: string
  // Varies each request (e.g. the task id in its path); returns the path to request.
  nextPath?: () => string
  // The one status every answer must have (default: any 2xx), such as 304 for a revalidation.
  expectedStatus?: number
}

export function httpTarget (label: string, request: HttpRequest): Target {
  return {
    label,
    async run (seconds, connections) {
      const latencies: number[] = []
      const statusCodes: Record<string, number> = {}
      const { nextPath } = request
      const result = await new Promise<autocannon.Result>((resolve, reject) => {
        const instance = autocannon({
          url: request.url,
          method: request.method ?? 'GET',
          headers: request.headers,
          body: request.body,
          requests: nextPath === undefined ? undefined : [{ setupRequest: (req) => ({ ...req, path: nextPath() }) }],
          connections,
          duration: seconds,
          // autocannon checks for the end of the run once per sample: every 100 ms, so short runs end on time.
          sampleInt: 100
        }, (error, result) => error === null || error === undefined ? resolve(result) : reject(error))
        instance.on('response', (_client, statusCode, _bytes, responseTime) => {
          latencies.push(responseTime)
          statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
        })
      })
      // autocannon drops the requests still in flight when time is up, but the server goes on with them: give it
      // the time to finish, so that their work does not fall into the next target's turn.
      await setTimeout(Math.min(MAX_SETTLE_MS, latencies.reduce((longest, latency) => Math.max(longest, latency), 0)))
      return {
        responses: latencies.length,
        seconds: result.duration,
        latencies,
        failures: result.errors + result.timeouts + result.mismatches + (request.expectedStatus === undefined
          ? result.non2xx
          : latencies.length - (statusCodes[request.expectedStatus] ?? 0)),
        statusCodes
      }
    }
  }
}

// argon2 verify calls, `connections` at a time, in this process: what POST /login would cost with nothing else.
// Counted like autocannon counts: calls that end after the deadline are left out (and waited for, so that they
// do not run into the next target's turn).
export function argon2Target (label: string, passwordHash: string, password: string): Target {
  return {
    label,
    async run (seconds, connections) {
      const latencies: number[] = []
      let failures = 0
      const started = performance.now()
      const deadline = started + seconds * 1000
      await Promise.all(Array.from({ length: connections }, async function caller () {
        while (performance.now() < deadline) {
          const start = performance.now()
          const matches = await verify(passwordHash, password).catch(() => false)
          const end = performance.now()
          if (end > deadline) break
          latencies.push(end - start)
          if (!matches) failures++
        }
      }))
      return {
        responses: latencies.length,
        seconds,
        latencies,
        failures,
        statusCodes: { verified: latencies.length - failures }
      }
    }
  }
}

function percentile (sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

function round (value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

export function summarize (samples: Sample[]): Summary {
  const latencies = Float64Array.from(samples.flatMap((sample) => sample.latencies)).sort()
  const seconds = samples.reduce((total, sample) => total + sample.seconds, 0)
  const statusCodes: Record<string, number> = {}
  for (const sample of samples) {
    for (const [code, count] of Object.entries(sample.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count
  }
  return {
    requests: latencies.length,
    reqPerSec: round(seconds > 0 ? latencies.length / seconds : 0, 1),
    p50Ms: round(percentile(latencies, 0.5), 3),
    p99Ms: round(percentile(latencies, 0.99), 3),
    errors: samples.reduce((total, sample) => total + sample.failures, 0),
    statusCodes
  }
}

// A run in which any request failed, or any answer was not the 2xx expected, is not reported at all.
export class RefusedRun extends Error {
  name = 'RefusedRun'
}

function refuseFailures (label: string, sample: Sample): void {
  if (sample.failures === 0) return
  throw new RefusedRun(`${label}: ${sample.failures} failures (connection errors, timeouts or answers outside 2xx) ` +
    `beside ${sample.responses} answers ${JSON.stringify(sample.statusCodes)}; refusing to report this run`)
}

export interface Schedule {
  duration: number
  rounds: number
  warmup: number
  connections: number
}

// Warms every target up, then measures them in turns, `rounds` times, each turn starting with a different
// target, so that a slow patch of the machine falls on all of them alike. Summaries come in the targets' order.
export async function alternate (targets: Target[], schedule: Schedule, progress: (line: string) => void): Promise<Summary[]> {
  for (const target of targets) refuseFailures(target.label, await target.run(schedule.warmup, schedule.connections))
  const samples: Sample[][] = targets.map(() => [])
  const slice = schedule.duration / schedule.rounds
  for (let round = 0; round < schedule.rounds; round++) {
    for (let turn = 0; turn < targets.length; turn++) {
      const index = (round + turn) % targets.length
      const sample = await targets[index].run(slice, schedule.connections)
      refuseFailures(targets[index].label, sample)
      samples[index].push(sample)
    }
  }
  const summaries = samples.map(summarize)
  progress(targets.map((target, index) => `  ${target.label}: ${summaries[index].reqPerSec} req/s`).join('\n'))
  return summaries
}
