// npm run bench, end to end on a tiny configuration, so that it cannot rot. It asserts the shape of the
// results, never a speed: timings belong to the bench, not to the tests.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { judgeGenerator } from '../bench/generator-check.js'
import { SQLITE_SKIPPED } from '../bench/instances.js'
import { alternate, cpuRatioByRound, split, summarize, together, type Sample, type Target } from '../bench/load.js'
import { main } from '../bench/main.js'
import { mixedScript } from '../bench/mixed.js'
import { parseOptions } from '../bench/options.js'
import { serviceNodeFlags } from '../bench/processes.js'
import { runWrk, wrkMissing } from '../bench/wrk.js'
import { cannotRun } from './cannot-run.js'
import { redisServerMissing } from './private-redis.js'

const postgres = process.env.TEST_POSTGRES_URL !== undefined
// On the PostgreSQL pass of npm test, the bench makes its own databases on the same server.
if (postgres && process.env.TEST_DATABASE_URL !== undefined) process.env.BENCH_POSTGRES_URL = process.env.TEST_DATABASE_URL
// Each pass of npm test measures its own engines: SQLite, or PostgreSQL without and with Redis.
const engines = postgres ? ['postgres', 'postgres+redis'] : ['sqlite']
const skip = cannotRun('the bench\'s tiny run', wrkMissing || (postgres && redisServerMissing))

// Service start-ups dominate on a loaded machine: far more than the file's default allowance.
t.setTimeout(600_000)

const TINY = ['--engines', engines.join(','), '--tasks', '300', '--users', '10', '--small-tasks', '150', '--duration', '0.4', '--rounds', '2', '--warmup', '0.2',
  '--connections', '2', '--write-connections', '2', '--mixed-duration', '0.6']

t.test('the bench runs every scenario on every engine of the pass, side by side, and writes its results', { skip, timeout: 600_000 }, async (t) => {
  const folder = await mkdtemp(join(tmpdir(), 'bench-test-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const out = join(folder, 'nested', 'results.json')
  const printed: string[] = []
  const progress: string[] = []

  const code = await main([...TINY, '--out', out], {
    print: (text) => printed.push(text),
    progress: (text) => progress.push(text)
  })

  t.equal(code, 0, 'the bench exits with 0')
  if (code !== 0) t.comment(progress.join('\n'))
  const results = JSON.parse(await readFile(out, 'utf8'))
  const database = postgres ? Number : null
  const measured = { requests: Number, reqPerSec: Number, p50Ms: Number, p99Ms: Number, errors: 0, cpuUsPerRequest: Number, dbCpuUsPerRequest: database }
  const perEngine = <T>(shape: T) => Object.fromEntries(engines.map((engine) => [engine, shape]))
  const scaled = { small: measured, large: measured, ratio: Number }
  t.match(results, {
    date: String,
    engines,
    machine: { cpus: Number, node: process.version, loadAverage: { start: Number, end: Number } },
    options: { tasks: 300, users: 10, smallTasks: 150, tasksPerUser: 30, connections: 2, writeConnections: 2 },
    generator: { tool: 'wrk', control: { requests: Number, cpuUsPerRequest: Number }, controlCpus: Number, generatorCpus: Number, cappedByGenerator: Boolean, verdict: String },
    scenarios: {
      todoPage: { control: { ...measured, dbCpuUsPerRequest: null }, byEngine: perEngine({ service: measured, ratio: Number, revalidated: measured, revalidatedRatio: Number, peakRssMb: Number }) },
      cacheOff: perEngine({ service: measured, control: measured, cpuRatio: Number }),
      // A login may take longer than a tiny run's slice on a loaded machine: its figures may be empty.
      login: { control: { requests: Number }, byEngine: perEngine({ service: { requests: Number, errors: 0 }, ratio: Number }) },
      scaling: perEngine({ normal: scaled, admin: scaled, anonymous: scaled }),
      writes: perEngine({ createTask: measured, updateTask: measured, markTask: measured }),
      mixed: perEngine({ summary: measured, byKind: { read: Number }, peakRssMb: Number }),
      workers: {
        engine: engines.at(-1),
        todoPage: { one: measured, two: measured, ratio: Number },
        mixed: { one: measured, two: measured, ratio: Number },
        rssMb: { todoPage: { one: Number, two: { primary: Number, workers: [Number, Number] } } }
      },
      // Two instances share PostgreSQL (with Redis when the pass has it); SQLite is for one machine.
      instances: postgres
        ? { engine: 'postgres+redis', todoPage: { one: measured, two: measured, ratio: Number }, mixed: { one: measured, two: measured, ratio: Number } }
        : { engine: null, skipped: SQLITE_SKIPPED }
    },
    targets: Array
  })
  const { todoPage, cacheOff, writes, mixed, workers, instances } = results.scenarios
  for (const engine of engines) {
    const summaries = [todoPage.byEngine[engine].service, todoPage.byEngine[engine].revalidated, cacheOff[engine].service, cacheOff[engine].control,
      writes[engine].createTask, writes[engine].updateTask, writes[engine].markTask, mixed[engine].summary]
    t.ok(summaries.every((summary) => summary.requests > 0 && summary.cpuUsPerRequest > 0), `${engine}: every target answered requests and its service spent CPU on them`)
    // Clock ticks are 10 ms: a tiny turn on a loaded machine may show none for the backends, the whole run does.
    if (postgres) {
      t.ok(summaries.every((summary) => summary.dbCpuUsPerRequest >= 0) && summaries.some((summary) => summary.dbCpuUsPerRequest > 0),
        `${engine}: the PostgreSQL backends' CPU is measured`)
    }
  }
  t.ok(workers.todoPage.two.requests > 0 && workers.mixed.two.requests > 0, 'WORKERS=2 answered')
  if (postgres) {
    const { todoPage: reads, mixed: mixedLoad } = instances
    t.ok([reads.one, reads.two, mixedLoad.one, mixedLoad.two].every((summary) => summary.requests > 0), 'one instance and two answered, GET /todo and the mixed load')
    const flushed = results.scenarios.writesEveryCommitFlushed
    t.match(flushed, { createTask: measured, updateTask: measured, markTask: measured }, 'the writes are measured at PostgreSQL\'s default durability too')
    t.ok([flushed.createTask, flushed.updateTask, flushed.markTask].every((summary) => summary.requests > 0), 'every write at the default durability answered')
  } else {
    t.notOk('writesEveryCommitFlushed' in results.scenarios, 'no PostgreSQL, no writes at its default durability')
  }
  t.ok(todoPage.byEngine[engines[0] as string].peakRssMb > 10, 'the peak RSS is that of a Node process')

  const table = printed.join('\n')
  const instancesRow = postgres ? 'instances on postgres+redis' : 'one instance against two: skipped'
  for (const row of ['generator check:', '1 GET /todo', '1b the same', '6 GET /todo, page cache off', '2 POST /login', '3 normal', '4 POST /todo', 'PUT /todo/:id', ...(postgres ? ['4 every commit flushed'] : []), '7 mixed', 'WORKERS on', instancesRow]) {
    t.match(table, row, `the table has the row "${row}"`)
  }
  for (const engine of engines) t.match(table, `${engine} req/s`, `the table has a column for ${engine}`)
})

t.test('wrk reports answers, latencies, errors and its own CPU; a status of 400 or more counts as a failure', { skip }, async (t) => {
  const { createServer } = await import('node:http')
  const server = createServer((request, response) => {
    response.statusCode = request.url === '/missing' ? 404 : 200
    response.end('hello')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const address = server.address() as { port: number }
  const folder = await mkdtemp(join(tmpdir(), 'bench-wrk-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const run = async (path: string) => await runWrk({ url: `http://127.0.0.1:${address.port}${path}`, script: '', seconds: 0.5, connections: 2, threads: 1, folder })

  const fine = await run('/')
  t.ok(fine.responses > 0 && fine.seconds > 0.3 && fine.seconds < 5, 'answers counted over about the time asked (ended by SIGINT)')
  t.equal(fine.statusErrors + fine.socketErrors, 0)
  t.ok(fine.p50Ms > 0 && fine.p99Ms >= fine.p50Ms, 'latency percentiles in milliseconds')
  t.ok(fine.generatorCpuSeconds > 0, 'wrk\'s own CPU')
  const missing = await run('/missing')
  t.equal(missing.statusErrors, missing.responses, 'every 404 is a status error')
})

t.test('the mixed load\'s script is valid Lua that wrk runs', { skip }, async (t) => {
  // A server that answers every kind of request of the mixed load as the service would, so that every answer is expected.
  const { createServer } = await import('node:http')
  let created = 0
  const server = createServer((request, response) => {
    const kind = `${request.method ?? ''} ${(request.url ?? '').replace(/\d+/g, 'N')}`
    response.setHeader('content-type', 'application/json')
    if (kind === 'POST /todo') {
      response.statusCode = 201
      response.end(JSON.stringify({ id: ++created, title: 'x' }))
    } else if (kind === 'POST /login' || kind === 'POST /refresh') {
      response.end(JSON.stringify({ access_token: `a${created}`, refresh_token: `r${created}` }))
    } else {
      response.end('[]')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const folder = await mkdtemp(join(tmpdir(), 'bench-mixed-'))
  t.teardown(() => rm(folder, { recursive: true, force: true }))
  const sessions = [0, 1, 2].map((index) => ({ username: `user${index}`, access: 'a', refresh: 'r' }))
  const result = await runWrk({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, script: mixedScript(sessions, 2), seconds: 1, connections: 2, threads: 2, folder })
  const { counts, unexpected } = result.extra as { counts: Record<string, number>, unexpected: Record<string, number> }
  t.ok(counts.read > 0 && counts.create > 0, `reads and creates were made: ${JSON.stringify(counts)}`)
  t.same(unexpected, {}, 'every answer was the one expected')
})

t.test('a run in which a request failed is refused', async (t) => {
  const sample = (failures: number): Sample => ({ responses: 4, seconds: 1, p50Ms: 2, p99Ms: 4, failures, detail: `${failures} answers of 400 or more`, generatorCpuSeconds: 0 })
  const target = (label: string, failures: number): Target => ({ label, run: async () => sample(failures) })
  const schedule = { duration: 1, rounds: 2, warmup: 1 }

  await t.rejects(alternate([{ target: target('healthy', 0), connections: 1 }, { target: target('failing', 1), connections: 1 }], schedule, () => {}), { name: 'RefusedRun' })
  const [samples] = await alternate([{ target: target('healthy', 0), connections: 1 }], schedule, () => {})
  t.match(summarize(samples as Sample[]), { requests: 8, reqPerSec: 4, p50Ms: 2, p99Ms: 4, errors: 0, cpuUsPerRequest: null })
})

t.test('targets loaded together run at once, each with its share of the connections, prepared first, and count as one', async (t) => {
  const events: string[] = []
  const part = (label: string, responses: number, seconds: number, cpu?: { service: number, database: number }): Target => ({
    label,
    async prepare () { events.push(`prepare ${label}`) },
    async run (_seconds, connections) {
      events.push(`run ${label} with ${connections}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
      events.push(`end ${label}`)
      return { responses, seconds, p50Ms: responses / 100, p99Ms: responses / 50, failures: 0, detail: `${label} fine`, cpu, generatorCpuSeconds: 0.1 }
    }
  })
  const both = await together('both', [part('a', 100, 1, { service: 0.01, database: 0.005 }), part('b', 300, 1.1, { service: 0.03, database: 0.01 })]).run(1, 7)
  t.same(events.slice(0, 2).sort(), ['prepare a', 'prepare b'], 'both are prepared before either is loaded')
  t.same(events.slice(2, 4), ['run a with 3', 'run b with 4'], 'both are loaded at once, 7 connections shared out')
  t.match(both, { responses: 400, seconds: 1.1, p50Ms: 3, p99Ms: 6, failures: 0, detail: 'a: a fine; b: b fine', generatorCpuSeconds: 0.2 })
  t.equal(Math.round((both.cpu?.service ?? 0) * 1000), 40, 'the CPU of both services summed')
  t.equal(Math.round((both.cpu?.database ?? 0) * 1000), 15, 'and of both instances\' PostgreSQL backends')
  t.equal((await together('one unmetered', [part('a', 1, 1), part('b', 1, 1, { service: 1, database: 0 })]).run(1, 2)).cpu, undefined, 'no CPU where a part is not metered')
  t.same(split(32, 2), [16, 16])
  t.same(split(5, 3), [1, 2, 2], 'shares as even as whole numbers go')
  t.same(split(1, 2), [1, 1], 'at least one each')
})

t.test('a summary takes the medians of the rounds: percentiles and CPU per request', async (t) => {
  const round = (responses: number, p50Ms: number, serviceSeconds: number, databaseSeconds: number): Sample =>
    ({ responses, seconds: 1, p50Ms, p99Ms: p50Ms * 2, failures: 0, detail: '', cpu: { service: serviceSeconds, database: databaseSeconds }, generatorCpuSeconds: 0 })
  // One round caught in a slow phase of the machine (twice the CPU per request) does not move the medians.
  const summary = summarize([round(1000, 1, 0.1, 0.05), round(1000, 3, 0.2, 0.1), round(1000, 2, 0.11, 0.05)], { database: true })
  t.match(summary, { requests: 3000, reqPerSec: 1000, p50Ms: 2, p99Ms: 4, cpuUsPerRequest: 110, dbCpuUsPerRequest: 50 })
  t.equal(summarize([round(1000, 1, 0.1, 0.05)]).dbCpuUsPerRequest, null, 'no database column where none is asked for')
  t.equal(summarize([round(0, 1, 0.1, 0), round(1000, 1, 0.1, 0)]).cpuUsPerRequest, 100, 'a round without answers is left out of the CPU per answer')
  t.equal(summarize([round(0, 1, 0.1, 0)]).cpuUsPerRequest, null, 'no answer at all: no CPU per answer')
})

t.test('scenario 6 compares CPU round by round: each round\'s two turns paired, service and database together, the median ratio', async (t) => {
  const turn = (serviceUs: number, databaseUs = 0): Sample => ({ responses: 1000, seconds: 1, p50Ms: 1, p99Ms: 1, failures: 0, detail: '', cpu: { service: serviceUs / 1000, database: databaseUs / 1000 }, generatorCpuSeconds: 0 })
  const service = [turn(100, 20), turn(98, 20), turn(300, 100), turn(101, 20), turn(99, 21)]
  const control = [turn(80, 20), turn(80, 20), turn(100, 20), turn(80, 21), turn(80, 20)]
  t.equal(Math.round(cpuRatioByRound(service, control) * 100), 120, 'the median of the five rounds\' ratios, 1.20; the slow round left aside')
})

t.test('the generator check says when the control\'s rate is capped by the generator', async (t) => {
  const sample = (controlCpu: number, generatorCpu: number): Sample => ({ responses: 10_000, seconds: 1, p50Ms: 1, p99Ms: 1, failures: 0, detail: '', cpu: { service: controlCpu, database: 0 }, generatorCpuSeconds: generatorCpu })
  t.match(judgeGenerator([sample(0.97, 0.4)], 2, 2), { cappedByGenerator: false, verdict: /its own limit/ }, 'a control using a whole CPU is its own limit')
  t.match(judgeGenerator([sample(0.6, 0.95)], 1, 2), { cappedByGenerator: true, verdict: /CAPPED BY THE GENERATOR/ }, 'wrk\'s one thread busy, the control not')
  t.match(judgeGenerator([sample(0.7, 1.2)], 2, 2), { cappedByGenerator: true, verdict: /SHARING THE CPUS/ }, 'the CPUs full, wrk taking more than its share')
  t.match(judgeGenerator([sample(0.5, 0.3)], 2, 2), { cappedByGenerator: false, verdict: /other load/ }, 'neither busy: something else on the machine')
  t.equal(judgeGenerator([sample(0.5, 0.3)], 2, 2).generatorCpuUsPerRequest, 30, 'wrk\'s CPU per request')
})

t.test('options that would make the comparison meaningless are refused', async (t) => {
  t.match(parseOptions([]), { engines: ['sqlite', 'postgres', 'postgres+redis'], tasks: 1_000_000, users: 10_000, smallTasks: 1_000, connections: 32, writeConnections: 16, threads: 2, out: 'bench/results.json' })
  t.same(parseOptions(['--engines', 'postgres+redis,sqlite']).engines, ['sqlite', 'postgres+redis'], 'engines in the table\'s order')
  t.throws(() => parseOptions(['--engines', 'mysql']), { name: 'UsageError' })
  t.throws(() => parseOptions(['--postgres']), { name: 'UsageError' }, '--postgres is gone: --engines says which')
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
