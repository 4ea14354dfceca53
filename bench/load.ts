// Load and its numbers: wrk against a URL (bench/wrk.ts), argon2 verify calls in a loop, and the alternation that
// measures targets in turns so that all of them see the same machine. Each turn of an HTTP target also measures the
// CPU its service spent (bench/cpu.ts) from just before wrk starts until the service has finished what wrk left in flight.
import { request as httpRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { setTimeout } from 'node:timers/promises'
import { verify } from '@node-rs/argon2'
import { cpuSpent, type CpuMeter, type CpuSpent } from './cpu.js'
import { fixedRequestScript, runWrk } from './wrk.js'

export interface Sample {
  responses: number
  seconds: number
  p50Ms: number
  p99Ms: number
  // Failed requests, timeouts, answers of 400 or more, and answers of another size than the one expected.
  failures: number
  // What the failures were, for the refusal.
  detail: string
  // CPU of the service (and of its database server's backends) during the turn; undefined when not metered.
  cpu?: CpuSpent
  // CPU seconds the generator used.
  generatorCpuSeconds: number
  // Script-specific counts (the mixed load's).
  extra?: Record<string, unknown>
}

export interface Summary {
  requests: number
  reqPerSec: number
  // Medians of the rounds' own percentiles (wrk reports percentiles per run, not every latency).
  p50Ms: number
  p99Ms: number
  // Always 0 in a reported run, since any failure refuses it.
  errors: number
  // Microseconds of CPU per answer, the median of the rounds: the service's processes, and (PostgreSQL) the server's
  // backends serving it; null where not metered.
  cpuUsPerRequest: number | null
  dbCpuUsPerRequest: number | null
}

export interface Target {
  label: string
  // What a turn does before its load (the mixed load's logins), done ahead by whoever loads several targets at once
  // (together()), so that it does not fall in another's measured load; a turn not prepared does it itself.
  prepare?: () => Promise<void>
  // Applies `connections` concurrent callers for `seconds` and reports what came back.
  run: (seconds: number, connections: number) => Promise<Sample>
}

const MAX_SETTLE_MS = 2000

export interface HttpLoad {
  // Base URL of the server.
  url: string
  // Where the generator runs its scripts.
  folder: string
  threads: number
  // The request, fixed: method, path, headers and body.
  method?: 'GET' | 'POST' | 'PUT'
  path?: string
  headers?: Record<string, string>
  body?: string
  // Or a script of its own (request() varying the path, say), given the number of wrk threads.
  script?: (threads: number) => string
  // Bytes of one expected answer, status line and headers included: answers whose average size is off by more than a
  // fifth fail the run (a 200 where a 304 was expected, or the reverse; wrk itself only counts statuses of 400 or more).
  expectedBytes?: number
  meter?: CpuMeter
}

function sizeMismatch (load: HttpLoad, responses: number, bytes: number): string | undefined {
  if (load.expectedBytes === undefined || responses === 0) return undefined
  const average = bytes / responses
  if (Math.abs(average - load.expectedBytes) <= load.expectedBytes / 5) return undefined
  return `answers averaged ${Math.round(average)} bytes where ${load.expectedBytes} were expected`
}

export function httpTarget (label: string, load: HttpLoad): Target {
  const script = load.script ?? ((_threads: number) => fixedRequestScript(load.method ?? 'GET', load.headers ?? {}, load.body))
  const url = new URL(load.path ?? '/', load.url).toString()
  return {
    label,
    async run (seconds, connections) {
      const threads = Math.min(load.threads, connections)
      const before = await load.meter?.snapshot()
      const result = await runWrk({ url, script: script(threads), seconds, connections, threads, folder: load.folder })
      // wrk drops the requests still in flight when time is up, but the server goes on with them: their work belongs
      // to this turn, not to the next target's.
      await setTimeout(Math.min(MAX_SETTLE_MS, Math.ceil(result.p99Ms)))
      const after = await load.meter?.snapshot()
      const mismatch = sizeMismatch(load, result.responses, result.bytes)
      const failures = result.socketErrors + result.statusErrors + (mismatch === undefined ? 0 : result.responses)
      return {
        responses: result.responses,
        seconds: result.seconds,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        failures,
        detail: `${result.socketErrors} socket errors or timeouts, ${result.statusErrors} answers of 400 or more${mismatch === undefined ? '' : `, ${mismatch}`}`,
        cpu: before === undefined || after === undefined ? undefined : cpuSpent(before, after),
        generatorCpuSeconds: result.generatorCpuSeconds,
        extra: result.extra
      }
    }
  }
}

// The bytes of one answer as they cross the wire (status line, headers, body), for HttpLoad.expectedBytes.
export async function answerBytes (url: string, init: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<{ status: number, bytes: number }> {
  return await new Promise((resolve, reject) => {
    const sent = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (response) => {
      let bytes = `HTTP/1.1 ${response.statusCode ?? 0} ${response.statusMessage ?? ''}\r\n`.length + 2
      for (let index = 0; index < response.rawHeaders.length; index += 2) {
        bytes += `${response.rawHeaders[index] ?? ''}: ${response.rawHeaders[index + 1] ?? ''}\r\n`.length
      }
      response.on('data', (chunk: Buffer) => { bytes += chunk.length })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }))
      response.on('error', reject)
    })
    sent.on('error', reject)
    sent.end(init.body)
  })
}

// argon2 verify calls, `connections` at a time, in this process: what POST /login would cost with nothing else.
// Calls that end after the deadline are left out (and waited for, so that they do not run into the next turn).
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
      const sorted = Float64Array.from(latencies).sort()
      return {
        responses: latencies.length,
        seconds,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        failures,
        detail: `${failures} verifications failed`,
        generatorCpuSeconds: 0
      }
    }
  }
}

function percentile (sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number
}

export function median (values: number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] as number : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

export function round (value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

// Microseconds of CPU per answer in one turn; Infinity for a turn without answers.
export function cpuPerAnswer (sample: Sample, part: keyof CpuSpent | 'total'): number {
  if (sample.cpu === undefined) return Number.NaN
  const seconds = part === 'total' ? sample.cpu.service + sample.cpu.database : sample.cpu[part]
  return sample.responses > 0 ? seconds / sample.responses * 1e6 : Infinity
}

// Rounds without an answer (a login slower than a tiny run's slice) have no CPU per answer: left out.
function medianCpu (samples: Sample[], part: keyof CpuSpent): number | null {
  const answered = samples.filter((sample) => sample.responses > 0)
  if (answered.length === 0 || answered.some((sample) => sample.cpu === undefined)) return null
  return round(median(answered.map((sample) => cpuPerAnswer(sample, part))), 1)
}

export function summarize (samples: Sample[], { database = false } = {}): Summary {
  const requests = samples.reduce((total, sample) => total + sample.responses, 0)
  const seconds = samples.reduce((total, sample) => total + sample.seconds, 0)
  return {
    requests,
    reqPerSec: round(seconds > 0 ? requests / seconds : 0, 1),
    p50Ms: round(median(samples.map((sample) => sample.p50Ms)), 3),
    p99Ms: round(median(samples.map((sample) => sample.p99Ms)), 3),
    errors: samples.reduce((total, sample) => total + sample.failures, 0),
    cpuUsPerRequest: medianCpu(samples, 'service'),
    dbCpuUsPerRequest: database ? medianCpu(samples, 'database') : null
  }
}

// A run in which any request failed, or any answer was not the one expected, is not reported at all.
export class RefusedRun extends Error {
  name = 'RefusedRun'
}

function refuseFailures (label: string, sample: Sample): void {
  if (sample.failures === 0) return
  throw new RefusedRun(`${label}: ${sample.failures} failures (${sample.detail}) beside ${sample.responses} answers; refusing to report this run`)
}

export interface Schedule {
  duration: number
  rounds: number
  warmup: number
}

// Warms every target up, then measures them in turns, `rounds` times, each turn starting with a different target, so
// that a slow patch of the machine falls on all of them alike. The samples of each target come in the targets' order.
export async function alternate (targets: Array<{ target: Target, connections: number }>, schedule: Schedule, progress: (line: string) => void): Promise<Sample[][]> {
  for (const { target, connections } of targets) refuseFailures(target.label, await target.run(schedule.warmup, connections))
  const samples: Sample[][] = targets.map(() => [])
  const slice = schedule.duration / schedule.rounds
  for (let round = 0; round < schedule.rounds; round++) {
    for (let turn = 0; turn < targets.length; turn++) {
      const index = (round + turn) % targets.length
      const { target, connections } = targets[index] as { target: Target, connections: number }
      const sample = await target.run(slice, connections)
      refuseFailures(target.label, sample)
      samples[index]?.push(sample)
    }
  }
  progress(targets.map(({ target }, index) => {
    const summary = summarize(samples[index] ?? [])
    return `  ${target.label}: ${summary.reqPerSec} req/s${summary.cpuUsPerRequest === null ? '' : `, ${summary.cpuUsPerRequest} us CPU/req`}`
  }).join('\n'))
  return samples
}

// Shares of `total` (connections, wrk threads, users) among `parts`, as even as whole numbers go, at least one each.
export function split (total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, index) => Math.max(1, Math.floor((total + index) / parts)))
}

function sumOf (samples: Array<{ label: string, sample: Sample }>): Sample {
  const total = (pick: (sample: Sample) => number) => samples.reduce((sum, { sample }) => sum + pick(sample), 0)
  const highest = (pick: (sample: Sample) => number) => Math.max(...samples.map(({ sample }) => pick(sample)))
  return {
    responses: total((sample) => sample.responses),
    // They ran over the same slice, at the same time.
    seconds: highest((sample) => sample.seconds),
    // Percentiles do not add up: the slower part's.
    p50Ms: highest((sample) => sample.p50Ms),
    p99Ms: highest((sample) => sample.p99Ms),
    failures: total((sample) => sample.failures),
    detail: samples.map(({ label, sample }) => `${label}: ${sample.detail}`).join('; '),
    cpu: samples.some(({ sample }) => sample.cpu === undefined)
      ? undefined
      : { service: total((sample) => sample.cpu?.service ?? 0), database: total((sample) => sample.cpu?.database ?? 0) },
    generatorCpuSeconds: total((sample) => sample.generatorCpuSeconds),
    extra: { parts: samples.map(({ sample }) => sample.extra ?? {}) }
  }
}

// Targets loaded at the same time, each with its share of the connections, as one target: their answers and their
// CPU summed (two instances behind a load balancer). All are prepared before any is loaded.
export function together (label: string, targets: Target[]): Target {
  return {
    label,
    async run (seconds, connections) {
      await Promise.all(targets.map(async (target) => await target.prepare?.()))
      const shares = split(connections, targets.length)
      const samples = await Promise.all(targets.map(async (target, index) => ({ label: target.label, sample: await target.run(seconds, shares[index] as number) })))
      return sumOf(samples)
    }
  }
}

// Each round's two turns, which ran back to back, as a pair: the median of the rounds' ratios of total CPU per answer
// (service + database backends). This machine's slow phases double the CPU of whatever runs for a minute or so; they
// fall on single rounds.
export function cpuRatioByRound (service: Sample[], control: Sample[]): number {
  return median(service.map((sample, index) => {
    const paired = control[index]
    return paired === undefined ? Infinity : cpuPerAnswer(sample, 'total') / cpuPerAnswer(paired, 'total')
  }))
}
