// CORS as a browser enforces it: the built service on one port, CORS_ORIGINS naming a page served on another, and
// Debian's chromium (playwright-core, headless) running fetch() in that page. Every call is cross-origin, so each
// request with Authorization, If-Match, If-None-Match or Idempotency-Key needs a preflight that allows it, and each
// header the answer carries is visible to the page only if it is exposed. A page on a third, unlisted port is refused.
// Alone: npm run build && FASTIFY_AUTOLOAD_TYPESCRIPT=1 npx tap --disable-coverage test/security/cors-browser.test.ts
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { chromium, type Page } from 'playwright-core'
import { cannotRun } from '../cannot-run.js'
import { freshDatabaseUrl, onPostgres } from '../helper.js'
import { startServer } from '../server-process.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// As test/openapi/swagger-ui.test.ts: headless, and no way off this machine.
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=socks5://127.0.0.1:9', '--proxy-bypass-list=127.0.0.1'
]

// What docs/api.md says a browser on an allowed origin may read, and one it may not (helmet's, never exposed).
const EXPOSED = ['etag', 'link', 'location', 'retry-after', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']
const NOT_EXPOSED = 'x-content-type-options'

// Small, so that a few logins from the page reach the 429 and its Retry-After.
const AUTH_LIMIT = 3

// An empty icon, so that the browser asks the page server for nothing but the page.
const PAGE = '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>CORS</title></head><body>app</body></html>'

interface BrowserAnswer { status: number, text: string, headers: Record<string, string | null> }
type BrowserOutcome = BrowserAnswer | { failure: string }

interface Call { method?: string, headers?: Record<string, string>, body?: unknown }

// A page server on a port of its own: its origin is http://127.0.0.1:<port>.
async function servePage (t: Test): Promise<string> {
  const server = createServer(function page (_request, response) {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(PAGE)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the page server has no port')
  return `http://127.0.0.1:${address.port}`
}

// fetch() run by the page's own JavaScript; headers are read with response.headers.get, as a browser app would.
async function fetchFromPage (page: Page, url: string, { method = 'GET', headers = {}, body }: Call): Promise<BrowserOutcome> {
  const init = { method, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) }
  return await page.evaluate(async ({ url, init, names }) => {
    try {
      const response = await fetch(url, init)
      return { status: response.status, text: await response.text(), headers: Object.fromEntries(names.map((name) => [name, response.headers.get(name)])) }
    } catch (error) {
      return { failure: `${(error as Error).name}: ${(error as Error).message}` }
    }
  }, { url, init, names: [...EXPOSED, NOT_EXPOSED] })
}

// Whether the page's console shows such a message within a minute (console events may trail the fetch that caused them).
async function consoleSays (page: Page, messages: string[], wanted: (message: string) => boolean): Promise<boolean> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (messages.some(wanted)) return true
    await page.waitForTimeout(100)
  }
  return false
}

test('a page on an allowed origin makes conditional and idempotent requests and reads every exposed header; another origin is refused', async (t) => {
  const missing = cannotRun('the CORS browser test', existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`)
  if (missing !== false) {
    t.pass('the CORS browser test', { skip: missing })
    return
  }
  const folder = t.testdir()
  const allowedOrigin = await servePage(t)
  const otherOrigin = await servePage(t)
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : `sqlite:${folder}/cors.db`
  const server = await startServer({ DATABASE_URL: databaseUrl, CORS_ORIGINS: allowedOrigin, RATE_LIMIT_AUTH: String(AUTH_LIMIT) })
  t.teardown(() => server.stop())

  const context = await chromium.launchPersistentContext(join(folder, 'profile'), { executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS })
  t.teardown(() => context.close())
  const page = context.pages()[0] ?? await context.newPage()
  await page.goto(`${allowedOrigin}/`, { timeout: 60_000 })

  // The answer to a call from the allowed page; a failed fetch (a refused preflight, a missing Allow-Origin) fails the test here.
  async function call (path: string, options: Call = {}): Promise<BrowserAnswer & { json: () => any }> {
    const outcome = await fetchFromPage(page, `${server.url}${path}`, options)
    if ('failure' in outcome) {
      // The exact request, the token left out of the log.
      const sent = { ...options.headers, ...(options.headers?.authorization === undefined ? {} : { authorization: 'Bearer <token>' }) }
      throw new Error(`${options.method ?? 'GET'} ${path} with headers ${JSON.stringify(sent)} from ${allowedOrigin} failed in the browser: ${outcome.failure}`)
    }
    return { ...outcome, json: () => JSON.parse(outcome.text) }
  }

  // A header this page must read: present, which is what a missing Access-Control-Expose-Headers would hide.
  function readable (answer: BrowserAnswer, name: string, label: string): string {
    const value = answer.headers[name]
    t.type(value, 'string', `${label}: ${name} is readable from the page`)
    return value ?? ''
  }

  const account = { username: 'browser', password: 'a passphrase for the cors test', name: 'Browser' }
  const registered = await call('/register', { method: 'POST', headers: { 'x-request-id': 'cors-register' }, body: account })
  t.equal(registered.status, 201, 'POST /register: 201')
  t.match(registered.json(), { username: 'browser', name: 'Browser' }, 'POST /register: the user')
  t.equal(readable(registered, 'x-request-id', 'POST /register'), 'cors-register', 'the X-Request-Id the page sent comes back')
  t.equal(registered.headers[NOT_EXPOSED], null, `${NOT_EXPOSED}, never exposed, is hidden from the page`)

  const login = await call('/login', { method: 'POST', body: { username: account.username, password: account.password } })
  t.equal(login.status, 200, 'POST /login: 200')
  const { access_token: token } = login.json() as { access_token: string }
  t.type(token, 'string', 'POST /login: an access token')
  const auth = { authorization: `Bearer ${token}` }

  const created = await call('/todo', { method: 'POST', headers: { ...auth, 'idempotency-key': 'cors-first' }, body: { title: 'Made in the browser' } })
  t.equal(created.status, 201, 'POST /todo: 201')
  const task = created.json() as { id: number }
  t.match(task, { title: 'Made in the browser', description: '', done: false }, 'POST /todo: the task')
  t.equal(readable(created, 'location', 'POST /todo'), `/todo/${task.id}`, 'Location names the task')
  const firstTag = readable(created, 'etag', 'POST /todo')
  t.match(firstTag, /^"t\d+\.\d+"$/, 'POST /todo: the task\'s ETag')
  for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) t.match(readable(created, name, 'POST /todo'), /^\d+$/)

  const replayed = await call('/todo', { method: 'POST', headers: { ...auth, 'idempotency-key': 'cors-first' }, body: { title: 'Made in the browser' } })
  t.equal(replayed.status, 201, 'POST /todo replayed with its Idempotency-Key: 201')
  t.same(replayed.json(), task, 'the replay answers the first task')
  t.equal(readable(replayed, 'location', 'the replay'), `/todo/${task.id}`, 'the replay\'s Location is the first task\'s')
  t.equal(readable(replayed, 'etag', 'the replay'), firstTag, 'the replay\'s ETag is the first task\'s')
  const second = await call('/todo', { method: 'POST', headers: auth, body: { title: 'Second from the browser' } })
  t.equal(second.status, 201, 'POST /todo, another task: 201')
  t.match(second.json(), { title: 'Second from the browser' })

  const read = await call(`/todo/${task.id}`, { headers: auth })
  t.equal(read.status, 200, 'GET /todo/{id}: 200')
  t.same(read.json(), task, 'GET /todo/{id}: the task')
  t.equal(readable(read, 'etag', 'GET /todo/{id}'), firstTag, 'GET /todo/{id}: the same ETag')
  const unchanged = await call(`/todo/${task.id}`, { headers: { ...auth, 'if-none-match': firstTag } })
  t.equal(unchanged.status, 304, 'GET /todo/{id} with If-None-Match: 304, seen by the page')
  t.equal(unchanged.text, '', 'the 304 has no body')
  t.equal(readable(unchanged, 'etag', 'the 304'), firstTag, 'the 304 names the tag')

  const firstPage = await call('/todo?limit=1', { headers: auth })
  t.equal(firstPage.status, 200, 'GET /todo?limit=1: 200')
  t.equal(firstPage.json().length, 1, 'GET /todo?limit=1: one task')
  const next = /^<([^>]+)>;\s*rel="next"$/.exec(readable(firstPage, 'link', 'GET /todo?limit=1'))?.[1]
  t.type(next, 'string', 'Link has the next page')
  const listTag = readable(firstPage, 'etag', 'GET /todo?limit=1')
  const sameList = await call('/todo?limit=1', { headers: { ...auth, 'if-none-match': listTag } })
  t.equal(sameList.status, 304, 'GET /todo?limit=1 with If-None-Match: 304')
  t.equal(sameList.text, '', 'the list\'s 304 has no body')
  const lastPage = await call(next ?? '', { headers: auth })
  t.equal(lastPage.status, 200, 'the Link\'s page: 200')
  t.equal(lastPage.json().length, 1, 'the Link\'s page: the other task')
  t.not(lastPage.json()[0].id, firstPage.json()[0].id, 'the pages do not repeat a task')
  t.equal(lastPage.headers.link, null, 'the last page has no Link')

  const edited = await call(`/todo/${task.id}`, { method: 'PUT', headers: { ...auth, 'if-match': firstTag }, body: { title: 'Edited in the browser' } })
  t.equal(edited.status, 200, 'PUT /todo/{id} with the current If-Match: 200')
  t.match(edited.json(), { id: task.id, title: 'Edited in the browser' }, 'PUT /todo/{id}: the edited task')
  const editedTag = readable(edited, 'etag', 'PUT /todo/{id}')
  t.not(editedTag, firstTag, 'PUT /todo/{id}: a new ETag')

  const stale = await call(`/todo/${task.id}`, { method: 'PUT', headers: { ...auth, 'if-match': firstTag }, body: { title: 'Lost update' } })
  t.equal(stale.status, 412, 'PUT /todo/{id} with a stale If-Match: 412')
  t.same(Object.keys(stale.json()).sort(), ['code', 'error', 'message', 'statusCode'], 'the 412 has the error shape')
  t.match(stale.json(), { statusCode: 412, error: 'Precondition Failed', code: 'precondition_failed', message: /\S/ }, 'the 412 body')
  const changed = await call(`/todo/${task.id}`, { headers: { ...auth, 'if-none-match': firstTag } })
  t.equal(changed.status, 200, 'GET /todo/{id} with the old tag: 200, the task changed')
  t.match(changed.json(), { id: task.id, title: 'Edited in the browser' }, 'the lost update changed nothing')
  t.equal(readable(changed, 'etag', 'GET /todo/{id} after the edit'), editedTag)

  // Logs in until refused: AUTH_LIMIT a minute, one login already counted; a minute turning over only costs more tries.
  let refused: (BrowserAnswer & { json: () => any }) | undefined
  for (let attempt = 0; attempt < 3 * AUTH_LIMIT && refused === undefined; attempt++) {
    const again = await call('/login', { method: 'POST', body: { username: account.username, password: account.password } })
    if (again.status === 429) refused = again
    else t.equal(again.status, 200, 'POST /login under the limit: 200')
  }
  if (refused === undefined) throw new Error(`no 429 after ${3 * AUTH_LIMIT} logins`)
  t.match(refused.json(), { statusCode: 429, error: 'Too Many Requests', code: 'rate_limited', message: /\S/ }, 'the 429 body')
  t.match(readable(refused, 'retry-after', 'the 429'), /^\d+$/, 'Retry-After in seconds')
  t.equal(readable(refused, 'ratelimit-limit', 'the 429'), String(AUTH_LIMIT), 'RateLimit-Limit is the login limit')
  t.equal(readable(refused, 'ratelimit-remaining', 'the 429'), '0', 'none remaining')
  t.match(readable(refused, 'ratelimit-reset', 'the 429'), /^\d+$/)

  const other = await context.newPage()
  const messages: string[] = []
  other.on('console', (message) => messages.push(message.text()))
  await other.goto(`${otherOrigin}/`, { timeout: 60_000 })
  // A simple request (no preflight): the service answers, but the browser keeps the answer from the page.
  const anonymous = await fetchFromPage(other, `${server.url}/todo`, {})
  t.match(anonymous, { failure: /^TypeError/ }, `GET /todo from ${otherOrigin}: the browser refuses the answer`)
  // A request that needs a preflight: refused before the PUT is sent.
  const blocked = await fetchFromPage(other, `${server.url}/todo/${task.id}`, { method: 'PUT', headers: { ...auth, 'if-match': editedTag }, body: { title: 'From another origin' } })
  t.match(blocked, { failure: /^TypeError/ }, `PUT /todo/{id} from ${otherOrigin}: the browser refuses it`)
  // Chromium's console names the cause: a TypeError alone could also be a network failure.
  t.ok(await consoleSays(other, messages, (message) => message.startsWith(`Access to fetch at '${server.url}/todo' from origin '${otherOrigin}' has been blocked by CORS policy`)), 'the GET was blocked by CORS')
  t.ok(await consoleSays(other, messages, (message) => message.startsWith(`Access to fetch at '${server.url}/todo/${task.id}' from origin '${otherOrigin}' has been blocked by CORS policy: Response to preflight`)), 'the PUT\'s preflight was refused')
  const after = await fetch(`${server.url}/todo/${task.id}`, { headers: auth })
  t.equal(after.status, 200)
  t.match(await after.json(), { id: task.id, title: 'Edited in the browser' }, 'the refused PUT never reached the service')
  t.equal(after.headers.get('etag'), editedTag, 'the task is at the version the allowed page left')
})
