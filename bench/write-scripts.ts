// wrk scripts of scenario 4 whose path varies request by request: each thread walks its own share of the ids.
import { fixedRequestScript } from './wrk.js'

// The n-th request of all threads together; thread_index comes from bench/wrk.ts's setup().
function walk (threads: number, ids: string, pathOf: string): string {
  return `
local ids = { ${ids} }
local step = 0
function request()
  local n = step * ${threads} + thread_index
  step = step + 1
  ${pathOf}
end`
}

// PUT /todo/mark/:id/:status over the ids given, done on one pass and undone on the next.
export function markWalkScript (taskIds: number[], threads: number, headers: Record<string, string>): string {
  return fixedRequestScript('PUT', headers) + walk(threads, taskIds.join(','), `local id = ids[n % #ids + 1]
  local status = math.floor(n / #ids) % 2 == 0 and 1 or 0
  return wrk.format(nil, "/todo/mark/" .. id .. "/" .. status)`)
}

// PUT /todo/:id with the same body over the ids given (the owner's own tasks).
export function editWalkScript (taskIds: number[], threads: number, headers: Record<string, string>, body: string): string {
  return fixedRequestScript('PUT', headers, body) + walk(threads, taskIds.join(','), 'return wrk.format(nil, "/todo/" .. ids[n % #ids + 1])')
}
