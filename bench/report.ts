// The text printed at the end of a run: the generator check, one table with a pair of columns per engine (req/s and
// CPU microseconds per request: the service's, + its PostgreSQL backends'), the targets, WORKERS=1 against 2, and one
// instance against two.
import type { EngineName } from './engines.js'
import type { InstancesResult } from './instances.js'
import type { Summary } from './load.js'
import type { Comparison } from './one-against-two.js'
import type { BenchResults, PerEngine } from './run.js'

function count (value: number): string {
  return Math.round(value).toLocaleString('en')
}

function cpuCell (summary: Summary): string {
  if (summary.cpuUsPerRequest === null) return ''
  return summary.dbCpuUsPerRequest === null ? count(summary.cpuUsPerRequest) : `${count(summary.cpuUsPerRequest)}+${count(summary.dbCpuUsPerRequest)}`
}

function table (header: string[], rows: string[][]): string[] {
  const widths = header.map((column, index) => Math.max(column.length, ...rows.map((row) => (row[index] ?? '').length)))
  const line = (cells: string[]) => cells.map((cell, index) => index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0)).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)]
}

// The columns of one against two (WORKERS, instances): req/s and CPU of each, and the ratio of req/s.
function comparisonHeader (title: string): string[] {
  return [title, '1: req/s', 'CPU us/req', '2: req/s', 'CPU us/req', '2 / 1']
}

function comparisonRow (label: string, { one, two, ratio }: Comparison): string[] {
  return [label, count(one.reqPerSec), cpuCell(one), count(two.reqPerSec), cpuCell(two), `${ratio.toFixed(2)}x`]
}

function instancesLines (instances: InstancesResult, results: BenchResults): string[] {
  if (instances.engine === null) return [`one instance against two: skipped, ${instances.skipped}`]
  const { options, machine } = results
  return [
    ...table(comparisonHeader(`instances on ${instances.engine}`), [
      comparisonRow(`GET /todo, authenticated, ${options.connections} connections in all`, instances.todoPage),
      comparisonRow(`mixed, ${options.writeConnections} connections in all`, instances.mixed)
    ]),
    '2: both instances at once, each loaded by a wrk of its own with half the connections; req/s and CPU summed',
    `no target: the ${machine.cpus} CPUs also run PostgreSQL${instances.engine === 'postgres+redis' ? ', Redis' : ''} and wrk, which compete with the instances for them`
  ]
}

export function formatTable (results: BenchResults): string {
  const { options, scenarios, machine, engines, generator } = results
  const { todoPage, cacheOff, login, scaling, writes, mixed, workers, instances } = scenarios
  const sizes = { small: count(options.smallTasks), large: count(options.tasks) }
  const rows: string[][] = []
  const perEngine = (label: string, pick: (engine: EngineName) => Summary | undefined) => {
    rows.push([label, ...engines.flatMap((engine) => {
      const summary = pick(engine)
      return summary === undefined ? ['', ''] : [count(summary.reqPerSec), cpuCell(summary)]
    })])
  }
  const shared = (label: string, summary: Summary) => rows.push([`${label} (one for all engines)`, count(summary.reqPerSec), cpuCell(summary), ...engines.slice(1).flatMap(() => ['', ''])])
  const of = <T>(values: PerEngine<T>) => (engine: EngineName) => values[engine]

  perEngine('1 GET /todo, page of 20, authenticated', (engine) => todoPage.byEngine[engine]?.service)
  perEngine('1b the same, If-None-Match: 304', (engine) => todoPage.byEngine[engine]?.revalidated)
  shared('  control: same bytes, no auth, no db', todoPage.control)
  perEngine('6 GET /todo, page cache off', (engine) => of(cacheOff)(engine)?.service)
  perEngine('  control: minimal handler, same queries', (engine) => of(cacheOff)(engine)?.control)
  perEngine('2 POST /login', (engine) => login.byEngine[engine]?.service)
  shared('  control: raw argon2id verify', login.control)
  for (const view of ['normal', 'admin', 'anonymous'] as const) {
    perEngine(`3 ${view}, ${sizes.small} tasks`, (engine) => of(scaling)(engine)?.[view].small)
    perEngine(`  ${view}, ${sizes.large} tasks`, (engine) => of(scaling)(engine)?.[view].large)
  }
  perEngine('4 POST /todo', (engine) => of(writes)(engine)?.createTask)
  perEngine('  PUT /todo/:id', (engine) => of(writes)(engine)?.updateTask)
  perEngine('  PUT /todo/mark/:id/:status', (engine) => of(writes)(engine)?.markTask)
  const flushed = (engine: EngineName) => engine === 'postgres' ? scenarios.writesEveryCommitFlushed : undefined
  perEngine('4 every commit flushed: POST /todo', (engine) => flushed(engine)?.createTask)
  perEngine('  PUT /todo/:id', (engine) => flushed(engine)?.updateTask)
  perEngine('  PUT /todo/mark/:id/:status', (engine) => flushed(engine)?.markTask)
  perEngine(`7 mixed, ${options.mixedDuration} s per engine`, (engine) => of(mixed)(engine)?.summary)
  rows.push(['5 peak RSS during 1, MB', ...engines.flatMap((engine) => [String(todoPage.byEngine[engine]?.peakRssMb ?? ''), ''])])
  rows.push(['7 peak RSS during 7, MB', ...engines.flatMap((engine) => [String(mixed[engine]?.peakRssMb ?? ''), ''])])

  const heading = [
    `npm run bench, ${results.date.slice(0, 16).replace('T', ' ')} UTC: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.start} at start, ${machine.loadAverage.end} at end`,
    `wrk, ${options.threads} threads at most; ${options.connections} connections for reads, ${options.writeConnections} for writes, logins and the mixed load; ` +
      `${options.duration} s per target in ${options.rounds} alternating rounds, after ${options.warmup} s of warm-up each`,
    `generator check: the bare control alone answered ${count(generator.control.reqPerSec)} req/s; ${generator.verdict}`,
    'CPU us/req: the service\'s processes, + its PostgreSQL backends\'; medians of the rounds',
    ...(engines.some((engine) => engine !== 'sqlite')
      ? ['durability: PostgreSQL as SQLite\'s (synchronous_commit=off: commits reach the OS, not the disk), but in "every commit flushed" (its default)']
      : [])
  ]
  const header = ['scenario', ...engines.flatMap((engine) => [`${engine} req/s`, 'CPU us/req'])]
  const verdicts = table(['target', 'value', 'target', ''], results.targets.map((verdict) => [verdict.name, verdict.value === null ? '-' : String(verdict.value), verdict.target, verdict.met ? 'met' : 'MISSED']))
  const rss = (label: string, measured: typeof workers.rssMb.todoPage) => [label, String(measured.one), '', `${measured.two.primary} + ${measured.two.workers.join(' + ')}`, '', '']
  const workerLines = table(comparisonHeader('WORKERS on ' + workers.engine), [
    comparisonRow('GET /todo, authenticated', workers.todoPage),
    comparisonRow('mixed', workers.mixed),
    rss('  peak RSS MB during GET /todo (2: primary + workers)', workers.rssMb.todoPage),
    rss('  peak RSS MB during mixed', workers.rssMb.mixed)
  ])
  return [...heading, '', ...table(header, rows), '', ...verdicts, '', ...workerLines, '', ...instancesLines(instances, results)].join('\n')
}
