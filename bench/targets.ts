// The targets a run is judged by (issues 13 and 24), each with the figure it judges: met or MISSED.
import type { GeneratorCheck } from './generator-check.js'
import type { BenchScenarios } from './run.js'

export interface Verdict {
  name: string
  value: number | null
  // e.g. '>= 0.5'
  target: string
  met: boolean
}

function atLeast (name: string, value: number | null | undefined, bound: number): Verdict {
  const known = value ?? null
  return { name, value: known, target: `>= ${bound}`, met: known !== null && known >= bound }
}

function atMost (name: string, value: number | null | undefined, bound: number): Verdict {
  const known = value ?? null
  return { name, value: known, target: `<= ${bound}`, met: known !== null && known <= bound }
}

function ratio (value: number | null | undefined, base: number | null | undefined): number | null {
  if (value === null || value === undefined || base === null || base === undefined || base <= 0) return null
  return Math.round(value / base * 1000) / 1000
}

const MAX_PEAK_RSS_MB = 150

export function judgeTargets (scenarios: BenchScenarios, generator: GeneratorCheck): Verdict[] {
  const { todoPage, cacheOff, login, scaling, writes, mixed } = scenarios
  const verdicts: Verdict[] = [{ name: 'the control is not capped by the generator', value: generator.controlCpus, target: 'not capped', met: !generator.cappedByGenerator }]
  const sqlite = todoPage.byEngine.sqlite
  if (sqlite !== undefined) {
    verdicts.push(atLeast('1 SQLite GET /todo, x the control', sqlite.ratio, 0.5), atLeast('1b SQLite 304, x the control', sqlite.revalidatedRatio, 0.6))
    verdicts.push({ name: '5 SQLite peak RSS during 1, MB', value: sqlite.peakRssMb, target: `< ${MAX_PEAK_RSS_MB}`, met: sqlite.peakRssMb < MAX_PEAK_RSS_MB })
    verdicts.push(atMost('6 SQLite cache off, CPU x the minimal handler', cacheOff.sqlite?.cpuRatio, 1.25))
    verdicts.push(atLeast('2 SQLite POST /login, x raw argon2id', login.byEngine.sqlite?.ratio, 0.85))
  }
  const postgres = todoPage.byEngine.postgres
  if (sqlite !== undefined && postgres !== undefined) {
    verdicts.push(atLeast('1 PostgreSQL GET /todo req/s, x SQLite', ratio(postgres.service.reqPerSec, sqlite.service.reqPerSec), 0.5))
    verdicts.push(atMost('1 PostgreSQL GET /todo service CPU/req, x SQLite', ratio(postgres.service.cpuUsPerRequest, sqlite.service.cpuUsPerRequest), 2))
    for (const [label, key] of [['POST /todo', 'createTask'], ['PUT /todo/:id', 'updateTask'], ['PUT /todo/mark', 'markTask']] as const) {
      verdicts.push(atLeast(`4 PostgreSQL ${label} req/s, x SQLite`, ratio(writes.postgres?.[key].reqPerSec, writes.sqlite?.[key].reqPerSec), 0.6))
    }
  }
  const redis = todoPage.byEngine['postgres+redis']
  if (postgres !== undefined && redis !== undefined) {
    verdicts.push(atMost('1 PostgreSQL+Redis GET /todo service CPU/req, x PostgreSQL', ratio(redis.service.cpuUsPerRequest, postgres.service.cpuUsPerRequest), 1.25))
    verdicts.push(atMost('4 PostgreSQL+Redis POST /todo service CPU/req, x PostgreSQL', ratio(writes['postgres+redis']?.createTask.cpuUsPerRequest, writes.postgres?.createTask.cpuUsPerRequest), 1.25))
  }
  for (const [engine, views] of Object.entries(scaling)) {
    for (const [view, measured] of Object.entries(views)) verdicts.push(atMost(`3 ${engine} ${view}, p50 large x small`, measured.ratio, 1.3))
  }
  for (const [engine, measured] of Object.entries(mixed)) {
    verdicts.push({ name: `7 ${engine} mixed peak RSS, MB`, value: measured.peakRssMb, target: `< ${MAX_PEAK_RSS_MB}`, met: measured.peakRssMb < MAX_PEAK_RSS_MB })
  }
  return verdicts
}
