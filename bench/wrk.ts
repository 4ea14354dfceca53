// The load generator: wrk, a C program of its own (Debian's package), so that the service never shares a thread, or a
// garbage collector, with what loads it. A generated Lua script shapes the requests and prints one line of JSON at the
// end: wrk's own counts, its latency percentiles, the CPU wrk itself used, and whatever the script counted.
import { spawn, spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const wrkMissing: string | false = spawnSync('wrk', ['--version']).error === undefined ? false : 'wrk is not installed (Debian: apt-get install wrk)'

export class WrkMissing extends Error {
  name = 'WrkMissing'
}

export interface WrkResult {
  // Complete answers, and the seconds wrk measured them over.
  responses: number
  seconds: number
  bytes: number
  // Socket errors and timeouts, and answers with a status of 400 or more (wrk counts those, not 3xx).
  socketErrors: number
  statusErrors: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  // CPU seconds of the wrk process, all its threads (os.clock() in its done()).
  generatorCpuSeconds: number
  // What the script's own done() added (the mixed load's counts).
  extra: Record<string, unknown>
}

const RESULT_MARK = '@@bench '
// wrk takes whole seconds; a run is ended by SIGINT at its exact deadline (wrk then stops, measures and reports as
// at the end of -d), and -d is only the backstop.
const EXIT_GRACE_MS = 10_000

let scriptNumber = 0

// The done() every script ends with: wrk's summary and the script's `report()` (a table of numbers), as one JSON line.
const REPORT_LUA = `
local bench_threads = {}
local bench_thread_count = 0
function setup(thread)
  thread:set("thread_index", bench_thread_count)
  bench_thread_count = bench_thread_count + 1
  table.insert(bench_threads, thread)
end

local function bench_json(value)
  local kind = type(value)
  if kind == "table" then
    local parts = {}
    for key, item in pairs(value) do table.insert(parts, string.format("%q", tostring(key)) .. ":" .. bench_json(item)) end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "number" then
    return string.format("%.17g", value)
  elseif kind == "boolean" then
    return tostring(value)
  end
  return string.format("%q", tostring(value))
end

function done(summary, latency, requests)
  local e = summary.errors
  local extra = {}
  if bench_report ~= nil then extra = bench_report(bench_threads) end
  io.write("${RESULT_MARK}" .. bench_json({
    responses = summary.requests, duration_us = summary.duration, bytes = summary.bytes,
    socket_errors = e.connect + e.read + e.write + e.timeout, status_errors = e.status,
    p50_us = latency:percentile(50), p99_us = latency:percentile(99), max_us = latency.max,
    cpu_s = os.clock(), extra = extra
  }) .. "\\n")
end
`

export interface WrkRun {
  // Base URL: scheme, host and port (paths come from the script).
  url: string
  // The script's body: sets wrk.method / wrk.headers / wrk.body, or defines request() and response().
  script: string
  seconds: number
  connections: number
  threads: number
  // Where the generated script is written.
  folder: string
}

function parseResult (stdout: string): WrkResult {
  const line = stdout.split('\n').find((text) => text.startsWith(RESULT_MARK))
  if (line === undefined) throw new Error(`wrk printed no result line; its output:\n${stdout.slice(-2000)}`)
  const raw = JSON.parse(line.slice(RESULT_MARK.length)) as Record<string, number> & { extra: Record<string, unknown> }
  return {
    responses: raw.responses,
    seconds: raw.duration_us / 1e6,
    bytes: raw.bytes,
    socketErrors: raw.socket_errors,
    statusErrors: raw.status_errors,
    p50Ms: raw.p50_us / 1000,
    p99Ms: raw.p99_us / 1000,
    maxMs: raw.max_us / 1000,
    generatorCpuSeconds: raw.cpu_s,
    extra: Array.isArray(raw.extra) ? {} : raw.extra
  }
}

export async function runWrk (run: WrkRun): Promise<WrkResult> {
  if (wrkMissing !== false) throw new WrkMissing(wrkMissing)
  const scriptFile = join(run.folder, `wrk-${process.pid}-${scriptNumber++}.lua`)
  await writeFile(scriptFile, `${run.script}\n${REPORT_LUA}`)
  const connections = Math.max(run.connections, run.threads)
  const child = spawn('wrk', ['-t', String(run.threads), '-c', String(connections), '-d', `${Math.ceil(run.seconds) + 2}s`,
    '--timeout', '10s', '-s', scriptFile, run.url], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  // 'close', not 'exit': wrk writes to a pipe, so all its output comes at exit, and may still be unread at 'exit'.
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve(code))
  })
  const stopper = setTimeout(() => child.kill('SIGINT'), run.seconds * 1000)
  const killer = setTimeout(() => child.kill('SIGKILL'), run.seconds * 1000 + EXIT_GRACE_MS)
  try {
    const code = await exited
    if (code !== 0) throw new Error(`wrk exited with ${String(code)}: ${stderr.slice(-2000)}${stdout.slice(-2000)}`)
  } finally {
    clearTimeout(stopper)
    clearTimeout(killer)
  }
  return parseResult(stdout)
}

// A Lua string literal.
export function lua (text: string): string {
  return `"${text.replace(/[\\"]/g, (character) => `\\${character}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`
}

// The same request every time: wrk builds it once.
export function fixedRequestScript (method: string, headers: Record<string, string>, body?: string): string {
  const lines = [`wrk.method = ${lua(method)}`]
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers[${lua(name)}] = ${lua(value)}`)
  if (body !== undefined) lines.push(`wrk.body = ${lua(body)}`)
  return lines.join('\n')
}
