// npm run bench, end to end on a tiny configuration, so that it cannot rot. It asserts the shape of the
// results, never a speed: timings belong to the bench, not to the tests.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { cpuRatioByRound } from '../bench/cpu-turns.js'
import { alternate, summarize, type Sample, type Target } from '../bench/load.js'
import { main } from '../bench/main.js'
import { parseOptions } from '../bench/options.js'
import { serviceNodeFlags } from '../bench/processes.js'

const postgres = process.env.TEST_POSTGRES_URL !== undefined
// On the PostgreSQL pass of npm test, the bench makes its own databases on the same server.
if (postgres && process.env.TEST_DATABASE_URL !== undefined) process.env.BENCH_POSTGRES_URL = process.env.TEST_DATABASE_URL

const TINY = ['--tasks', '600', '--users', '20', '--small-tasks', '150', '--duration', '0.4', '--rounds', '2', '--warmup', '0.2', '--connections', '2', '--mixed-duration', '1']

t.test('the bench runs every scenario on a tiny configuration and writes its results', async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'bench-test-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const out = join(folder, 'nested', 'results.json')
  const printed: string[] = []
  const progress: string[] = []

  const code = await main([...(postgres ? ['--postgres'] : []), ...TINY, '--out', out], {
    print: (text) => printed.push(text),
    progress: (text) => progress.push(text)
  })

  t.equal(code, 0, 'the bench exits with 0')
  if (code !== 0) t.comment(progress.join('\n'))
  const results = JSON.parse(await readFile(out, 'utf8'))
  const measured = { requests: Number, reqPerSec: Number, p50Ms: Number, p99Ms: Number, errors: 0, statusCodes: Object }
  const comparison = { service: measured, control: measured, ratio: Number, target: Number, met: Boolean }
  const scaling = { small: measured, large: measured, ratio: Number, target: 1.3, met: Boolean }
  t.match(results, {
    date: String,
    database: postgres ? 'postgres' : 'sqlite',
    machine: { cpus: Number, node: process.version, loadAverage: { start: Number, end: Number } },
    options: { tasks: 600, users: 20, smallTasks: 150, tasksPerUser: 30, connections: 2 },
    scenarios: {
      todoPage: { ...comparison, target: 0.5 },
      revalidation: { ...comparison, target: 0.6 },
      cacheOff: postgres ? null : { service: { ...measured, cpuUsPerRequest: Number }, control: { ...measured, cpuUsPerRequest: Number }, ratio: Number, target: 1.25, met: Boolean },
      mixed: { requests: Number, errors: 0, peakRssMb: Number, target: 150, byKind: { read: Number } },
      login: { ...comparison, target: 0.85 },
      scaling: { normal: scaling, admin: scaling, anonymous: scaling },
      writes: { createTask: measured, markTask: measured },
      memory: { peakRssMb: Number, target: 150, met: Boolean }
    }
  })
  const { todoPage, login, scaling: views, writes } = results.scenarios
  const summaries = [todoPage.service, todoPage.control, login.service, login.control, writes.createTask, writes.markTask,
    ...['normal', 'admin', 'anonymous'].flatMap((view) => [views[view].small, views[view].large])]
  t.ok(summaries.every((summary) => summary.requests > 0), 'every target answered requests')
  t.same(Object.keys(todoPage.service.statusCodes), ['200'], 'GET /todo answered 200 only')
  t.same(Object.keys(results.scenarios.revalidation.service.statusCodes), ['304'], 'the revalidation answered 304 only')
  t.ok(results.scenarios.mixed.requests > 0, 'the mixed load ran')
  t.same(Object.keys(writes.createTask.statusCodes), ['201'], 'POST /todo answered 201 only')
  t.ok(results.scenarios.memory.peakRssMb > 10, 'the peak RSS is that of a Node process')

  const table = printed.join('\n')
  for (const row of ['1 GET /todo', 'control: raw argon2id verify', '3 normal user', '4 POST /todo', '5 peak RSS', '1b the same, If-None-Match', '7 mixed']) {
    t.match(table, row, `the table has the row "${row}"`)
  }
})

t.test('a run in which a request failed is refused', async (t) => {
  const sample = (failures: number): Sample => ({ responses: 4, seconds: 1, latencies: [1, 2, 3, 4], failures, statusCodes: { 200: 4 - failures, 500: failures } })
  const target = (label: string, failures: number): Target => ({ label, run: async () => sample(failures) })
  const schedule = { duration: 1, rounds: 2, warmup: 1, connections: 1 }

  await t.rejects(alternate([target('healthy', 0), target('failing', 1)], schedule, () => {}), { name: 'RefusedRun' })
  t.match(await alternate([target('healthy', 0)], schedule, () => {}), [{ requests: 8, reqPerSec: 4, p50Ms: 2, p99Ms: 4, errors: 0 }])
})

t.test('percentiles come from every latency of every round', async (t) => {
  const latencies = Array.from({ length: 100 }, (_, index) => index + 1)
  const summary = summarize([
    { responses: 50, seconds: 2, latencies: latencies.slice(50), failures: 0, statusCodes: { 200: 50 } },
    { responses: 50, seconds: 3, latencies: latencies.slice(0, 50), failures: 0, statusCodes: { 200: 50 } }
  ])
  t.match(summary, { requests: 100, reqPerSec: 20, p50Ms: 50, p99Ms: 99, statusCodes: { 200: 100 } })
})

t.test('scenario 6 compares CPU round by round: the warm-up left out, each round\'s two turns paired, the median ratio', async (t) => {
  const turn = (microseconds: number) => ({ seconds: microseconds * 1000 / 1e6, requests: 1000 })
  // Warm-ups (first) that would dominate a sum, and one round of the service caught in a slow phase of the machine.
  const service = [turn(900), turn(120), turn(118), turn(400), turn(121), turn(119)]
  const control = [turn(100), turn(100), turn(98), turn(101), turn(100), turn(99)]
  const { serviceCpu, controlCpu, ratio } = cpuRatioByRound(service, control)
  t.equal(Math.round(serviceCpu), 120, 'the median of the service\'s rounds')
  t.equal(Math.round(controlCpu), 100, 'the median of the control\'s rounds')
  t.equal(Math.round(ratio * 100), 120, 'the median of the five rounds\' ratios, 1.20')
})

t.test('options that would make the comparison meaningless are refused', async (t) => {
  t.match(parseOptions([]), { tasks: 1_000_000, users: 10_000, smallTasks: 1_000, connections: 10, out: 'bench/results.json' })
  t.throws(() => parseOptions(['--tasks', '1000', '--users', '100']), { name: 'UsageError' }, 'a page of 20 needs more than 20 tasks per user')
  t.throws(() => parseOptions(['--small-tasks', '150']), { name: 'UsageError' }, 'the small database must hold whole users')
  t.throws(() => parseOptions(['--duration', '0']), { name: 'UsageError' })
  t.throws(() => parseOptions(['--tasks']), { name: 'UsageError' })
})

t.test('the bench starts the service with the Node flags of npm run serve, which npm start runs', async (t) => {
  const { scripts } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'))
  const flags = serviceNodeFlags()
  t.ok(flags.length > 0 && flags.every((flag) => flag.startsWith('--')), 'flags are read')
  const projectRoot = fileURLToPath(new URL('..', import.meta.url))
  const asWritten = flags.map((flag) => flag.replace(`=${projectRoot}`, '=./'))
  t.equal(`exec node ${asWritten.join(' ')} dist/server.js`, scripts.serve)
  t.ok(flags.filter((flag) => flag.startsWith('--require=')).every((flag) => existsSync(flag.slice('--require='.length))), 'preloaded files are found from anywhere')
  t.match(scripts.start, /exec npm run --silent serve$/, 'npm start runs npm run serve')
})
