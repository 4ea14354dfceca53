// What workers.ts and instances.ts share: a service of one process against one of two (WORKERS=2, or two instances),
// each loaded the same way (the normal user's GET /todo, the mixed load) and compared by req/s, two against one.
import type { MeteredServer } from './engines.js'
import { httpTarget, round, summarize, type Sample, type Schedule, type Summary, type Target } from './load.js'
import { mixedTarget } from './mixed.js'
import type { BenchOptions } from './options.js'
import { logIn } from './run.js'
import { NORMAL_USERNAME } from './seed.js'

export interface Comparison { one: Summary, two: Summary, ratio: number }

export interface ComparisonContext {
  folder: string
  options: BenchOptions
  schedule: Schedule
  mixedSchedule: Schedule
  mixedUsers: number
  keep: (started: MeteredServer) => MeteredServer
}

export function compare (one: Sample[], two: Sample[], database: boolean): Comparison {
  const [first, second] = [summarize(one, { database }), summarize(two, { database })]
  return { one: first, two: second, ratio: round(first.reqPerSec > 0 ? second.reqPerSec / first.reqPerSec : 0, 3) }
}

// Authenticated GET /todo, as the normal user logged in on this service; `threads`: wrk's, at most.
export async function readTarget (label: string, service: MeteredServer, context: ComparisonContext, threads = context.options.threads): Promise<Target> {
  return httpTarget(label, {
    url: service.server.url,
    path: '/todo',
    headers: { authorization: `Bearer ${await logIn(service.server.url, NORMAL_USERNAME)}` },
    folder: context.folder,
    threads,
    meter: service.meter
  })
}

// The mixed load on this service, by the users user{firstUser} ... (all of the context's by default).
export function mixedOn (label: string, service: MeteredServer, context: ComparisonContext, users = { firstUser: 0, users: context.mixedUsers }): Target {
  return mixedTarget(label, { url: service.server.url, folder: context.folder, meter: service.meter, ...users })
}
