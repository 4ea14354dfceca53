// Scenario 7: mixed load as many clients make it, 70% reads, 20% writes, 10% login or refresh, spread over many users,
// in wrk: one connection per wrk thread, each thread with users of its own (so that no two refresh one session at
// once), every answer's status checked and the tokens and task ids it carries kept for the next requests.
import { setTimeout } from 'node:timers/promises'
import { cpuSpent, type CpuMeter } from './cpu.js'
import type { Target } from './load.js'
import { BENCH_PASSWORD } from './seed.js'
import { lua, runWrk } from './wrk.js'

export interface MixedSession { username: string, access: string, refresh: string }

const LOGIN_CONCURRENCY = 8
// Where a login body's username goes; usernames are user0, user1, ...
const USERNAME_SLOT = '@username@'
const MAX_SETTLE_MS = 2000

async function logIn (base: string, username: string): Promise<MixedSession> {
  const response = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: BENCH_PASSWORD }) })
  const body = await response.json() as { access_token?: string, refresh_token?: string }
  if (response.status !== 200 || body.access_token === undefined || body.refresh_token === undefined) {
    throw new Error(`mixed load: login of ${username} answered ${response.status} ${JSON.stringify(body)}`)
  }
  return { username, access: body.access_token, refresh: body.refresh_token }
}

// Fresh sessions for every run: a refresh in flight when wrk stopped has rotated a token the script never learnt.
async function logInAll (base: string, firstUser: number, users: number): Promise<MixedSession[]> {
  const sessions: MixedSession[] = []
  for (let start = 0; start < users; start += LOGIN_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(LOGIN_CONCURRENCY, users - start) }, async (_, offset) => await logIn(base, `user${firstUser + start + offset}`))
    sessions.push(...await Promise.all(batch))
  }
  return sessions
}

export function mixedScript (sessions: MixedSession[], threads: number): string {
  const table = sessions.map((session) => `{ u = ${lua(session.username)}, a = ${lua(session.access)}, r = ${lua(session.refresh)} }`).join(',\n  ')
  const [loginPrefix, loginSuffix] = JSON.stringify({ username: USERNAME_SLOT, password: BENCH_PASSWORD }).split(USERNAME_SLOT) as [string, string]
  return `
local sessions = {
  ${table}
}
local thread_count = ${threads}
local login_prefix, login_suffix = ${lua(loginPrefix)}, ${lua(loginSuffix)}
local expected = { read = 200, create = 201, update = 200, login = 200, refresh = 200 }
local mine = {}
local kind, current
counts = {}
unexpected = {}

function init(args)
  for index, session in ipairs(sessions) do
    if (index - 1) % thread_count == thread_index then table.insert(mine, { u = session.u, a = session.a, r = session.r, ids = {} }) end
  end
  math.randomseed(thread_index * 7919 + 17)
end

local function json_headers(session)
  local headers = { ["Content-Type"] = "application/json" }
  if session ~= nil then headers["Authorization"] = "Bearer " .. session.a end
  return headers
end

function request()
  current = mine[math.random(#mine)]
  local roll = math.random()
  if roll < 0.7 then
    kind = "read"
    return wrk.format("GET", "/todo", { Authorization = "Bearer " .. current.a })
  elseif roll < 0.9 then
    local id = current.ids[#current.ids]
    if roll < 0.8 or id == nil then
      kind = "create"
      return wrk.format("POST", "/todo", json_headers(current), '{"title":"Mixed load","due":"2026-12-01"}')
    end
    kind = "update"
    return wrk.format("PUT", "/todo/" .. id, json_headers(current), '{"title":"Mixed load, edited"}')
  elseif roll < 0.95 then
    kind = "login"
    return wrk.format("POST", "/login", json_headers(nil), login_prefix .. current.u .. login_suffix)
  end
  kind = "refresh"
  return wrk.format("POST", "/refresh", json_headers(nil), '{"refresh_token":"' .. current.r .. '"}')
end

function response(status, headers, body)
  counts[kind] = (counts[kind] or 0) + 1
  if status ~= expected[kind] then
    local key = kind .. " " .. status
    unexpected[key] = (unexpected[key] or 0) + 1
    return
  end
  if kind == "login" or kind == "refresh" then
    local access = string.match(body, '"access_token":"([^"]+)"')
    local refresh = string.match(body, '"refresh_token":"([^"]+)"')
    if access ~= nil and refresh ~= nil then
      current.a = access
      current.r = refresh
    else
      unexpected[kind .. " without tokens"] = (unexpected[kind .. " without tokens"] or 0) + 1
    end
  elseif kind == "create" then
    local id = string.match(body, '^{"id":(%d+)')
    if id ~= nil then table.insert(current.ids, id) end
  end
end

function bench_report(threads)
  local all_counts, all_unexpected = {}, {}
  for _, thread in ipairs(threads) do
    for key, value in pairs(thread:get("counts")) do all_counts[key] = (all_counts[key] or 0) + value end
    for key, value in pairs(thread:get("unexpected")) do all_unexpected[key] = (all_unexpected[key] or 0) + value end
  end
  return { counts = all_counts, unexpected = all_unexpected }
end
`
}

export interface MixedLoad {
  url: string
  folder: string
  // Users logged in afresh before each run (user{firstUser} ... user{firstUser + users - 1}), shared out over the connections.
  users: number
  firstUser?: number
  meter?: CpuMeter
}

// connections: wrk threads of one connection each, at most one per user.
export function mixedTarget (label: string, load: MixedLoad): Target {
  const logInUsers = async () => await logInAll(load.url, load.firstUser ?? 0, load.users)
  let prepared: MixedSession[] | undefined
  return {
    label,
    async prepare () { prepared = await logInUsers() },
    async run (seconds, connections) {
      const threads = Math.min(connections, load.users)
      const sessions = prepared ?? await logInUsers()
      prepared = undefined
      const before = await load.meter?.snapshot()
      const result = await runWrk({ url: load.url, script: mixedScript(sessions, threads), seconds, connections: threads, threads, folder: load.folder })
      await setTimeout(Math.min(MAX_SETTLE_MS, Math.ceil(result.p99Ms)))
      const after = await load.meter?.snapshot()
      const { counts = {}, unexpected = {} } = result.extra as { counts?: Record<string, number>, unexpected?: Record<string, number> }
      const wrong = Object.values(unexpected).reduce((total, count) => total + count, 0)
      return {
        responses: result.responses,
        seconds: result.seconds,
        p50Ms: result.p50Ms,
        p99Ms: result.p99Ms,
        failures: result.socketErrors + wrong,
        detail: `${result.socketErrors} socket errors or timeouts, unexpected answers ${JSON.stringify(unexpected)}`,
        cpu: before === undefined || after === undefined ? undefined : cpuSpent(before, after),
        generatorCpuSeconds: result.generatorCpuSeconds,
        extra: { byKind: counts }
      }
    }
  }
}
