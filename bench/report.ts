// The table printed at the end of a run: one row per measured target, ratios beside the row they judge.
import type { Summary } from './load.js'
import type { BenchResults } from './run.js'

const COLUMNS = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'result', 'target', ''] as const

function count (value: number): string {
  return value.toLocaleString('en')
}

function measured (label: string, summary: Summary, result = '', target = '', verdict = ''): string[] {
  return [label, count(Math.round(summary.reqPerSec)), summary.p50Ms.toFixed(2), summary.p99Ms.toFixed(2), count(summary.errors), result, target, verdict]
}

function verdict (met: boolean): string {
  return met ? 'met' : 'MISSED'
}

export function formatTable (results: BenchResults): string {
  const { options, scenarios, machine } = results
  const { todoPage, revalidation, cacheOff, mixed, login, scaling, writes, memory } = scenarios
  const sizes = { small: count(options.smallTasks), large: count(options.tasks) }
  const views = { normal: 'normal user (own tasks)', admin: 'admin (everyone\'s)', anonymous: 'anonymous (newest 5)' }
  const rows: string[][] = [
    measured('1 GET /todo, page of 20, authenticated', todoPage.service, `${todoPage.ratio.toFixed(2)}x control`, `>= ${todoPage.target}x`, verdict(todoPage.met)),
    measured('  control: same bytes, no auth, no db', todoPage.control),
    measured('1b the same, If-None-Match: 304', revalidation.service, `${revalidation.ratio.toFixed(2)}x control`, `>= ${revalidation.target}x`, verdict(revalidation.met)),
    measured('2 POST /login', login.service, `${login.ratio.toFixed(2)}x control`, `>= ${login.target}x`, verdict(login.met)),
    measured('  control: raw argon2id verify', login.control)
  ]
  for (const view of ['normal', 'admin', 'anonymous'] as const) {
    const { small, large, ratio, target, met } = scaling[view]
    rows.push(measured(`3 ${views[view]}, ${sizes.small} tasks`, small))
    rows.push(measured(`  ${views[view]}, ${sizes.large} tasks`, large, `${ratio.toFixed(2)}x p50`, `<= ${target}x`, verdict(met)))
  }
  rows.push(measured('4 POST /todo', writes.createTask))
  rows.push(measured('  PUT /todo/mark/:id/:status', writes.markTask))
  rows.push(['5 peak RSS of the service during 1', '', '', '', '', `${memory.peakRssMb} MB`, `< ${memory.target} MB`, verdict(memory.met)])
  if (cacheOff !== null) {
    rows.push(measured(`6 GET /todo, cache off: ${cacheOff.service.cpuUsPerRequest} us CPU/req`, cacheOff.service, `${cacheOff.ratio.toFixed(2)}x CPU`, `<= ${cacheOff.target}x`, verdict(cacheOff.met)))
    rows.push(measured(`  control: minimal handler: ${cacheOff.control.cpuUsPerRequest} us CPU/req`, cacheOff.control))
  }
  rows.push([`7 mixed ${mixed.seconds} s, ${mixed.users} users`, count(Math.round(mixed.reqPerSec)), '', '', count(mixed.errors), `${mixed.peakRssMb} MB`, `< ${mixed.target} MB, 0 errors`, verdict(mixed.met)])

  const widths = COLUMNS.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index].length)))
  const line = (cells: readonly string[]) => cells.map((cell, index) => index === 0 || index >= 5 ? cell.padEnd(widths[index]) : cell.padStart(widths[index])).join('  ').trimEnd()
  const heading = [
    `npm run bench on ${results.database}, ${results.date.slice(0, 16).replace('T', ' ')} UTC: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.start} at start, ${machine.loadAverage.end} at end`,
    `${options.connections} connections; ${options.duration} s per target in ${options.rounds} alternating rounds, after ${options.warmup} s of warm-up each`
  ].join('\n')
  return [heading, '', line(COLUMNS), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}
