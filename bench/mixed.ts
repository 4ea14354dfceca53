// Scenario 7: mixed load as many clients make it, 70% reads, 20% writes, 10% login or refresh, spread over many
// users. Each connection owns its users (so that no two refresh one session at once); every answer is checked.
import { performance } from 'node:perf_hooks'
import { BENCH_PASSWORD } from './seed.js'

export interface MixedResult {
  seconds: number
  users: number
  requests: number
  reqPerSec: number
  // Answers other than the one expected, and failed requests.
  errors: number
  byKind: Record<string, number>
  statusCodes: Record<string, number>
  // Filled in by the caller: the service's peak RSS during the load.
  peakRssMb: number
}

interface UserSession { username: string, access: string, refresh: string, taskIds: number[] }

async function call (url: string, init: RequestInit): Promise<{ status: number, body: any }> {
  const response = await fetch(url, init)
  const text = await response.text()
  return { status: response.status, body: text === '' ? null : JSON.parse(text) }
}

async function logIn (base: string, username: string): Promise<{ status: number, access: string, refresh: string }> {
  const { status, body } = await call(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: BENCH_PASSWORD }) })
  return { status, access: body?.access_token, refresh: body?.refresh_token }
}

export async function mixedLoad (base: string, userCount: number, seconds: number, connections: number): Promise<MixedResult> {
  const sessions: UserSession[] = []
  for (let index = 0; index < userCount; index++) {
    const login = await logIn(base, `user${index}`)
    if (login.status !== 200) throw new Error(`mixed load: login of user${index} answered ${login.status}`)
    sessions.push({ username: `user${index}`, access: login.access, refresh: login.refresh, taskIds: [] })
  }
  const byKind: Record<string, number> = {}
  const statusCodes: Record<string, number> = {}
  let requests = 0
  let errors = 0
  const count = (kind: string, status: number, expected: number): void => {
    requests++
    byKind[kind] = (byKind[kind] ?? 0) + 1
    statusCodes[status] = (statusCodes[status] ?? 0) + 1
    if (status !== expected) errors++
  }
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(Array.from({ length: connections }, async function client (_, connection) {
    const mine = sessions.filter((_, index) => index % connections === connection)
    if (mine.length === 0) return
    while (performance.now() < deadline) {
      const session = mine[Math.floor(Math.random() * mine.length)] as UserSession
      const auth = { authorization: `Bearer ${session.access}` }
      const roll = Math.random()
      try {
        if (roll < 0.7) {
          count('read', (await call(`${base}/todo`, { headers: auth })).status, 200)
        } else if (roll < 0.9) {
          const id = session.taskIds.at(-1)
          if (roll < 0.8 || id === undefined) {
            const created = await call(`${base}/todo`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Mixed load', due: '2026-12-01' }) })
            count('create', created.status, 201)
            if (created.status === 201) session.taskIds.push(created.body.id)
          } else {
            count('update', (await call(`${base}/todo/${id}`, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Mixed load, edited' }) })).status, 200)
          }
        } else if (roll < 0.95) {
          const login = await logIn(base, session.username)
          count('login', login.status, 200)
          if (login.status === 200) Object.assign(session, { access: login.access, refresh: login.refresh })
        } else {
          const refreshed = await call(`${base}/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: session.refresh }) })
          count('refresh', refreshed.status, 200)
          if (refreshed.status === 200) Object.assign(session, { access: refreshed.body.access_token, refresh: refreshed.body.refresh_token })
        }
      } catch {
        requests++
        errors++
      }
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  return { seconds: Math.round(elapsed * 10) / 10, users: userCount, requests, reqPerSec: Math.round(requests / elapsed * 10) / 10, errors, byKind, statusCodes, peakRssMb: 0 }
}
