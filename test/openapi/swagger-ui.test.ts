// Swagger UI at /docs in a real browser (Debian's chromium driven by playwright-core, headless, kept on 127.0.0.1):
// every operation renders with no console error (a CSP violation included), Authorize takes a token from /login, and
// "Try it out" on GET /todo (order=desc picked from the dropdown), twice on POST /todo (two tasks: no Idempotency-Key is
// pre-filled) and on PUT /todo/{id} (200: no If-Match is pre-filled) succeed. Screenshots of each step
// go to the test's folder (.tap/fixtures/...), kept when TAP_SAVE_FIXTURE=1.
// Alone: npm run build && FASTIFY_AUTOLOAD_TYPESCRIPT=1 TAP_SAVE_FIXTURE=1 npx tap --disable-coverage test/openapi/swagger-ui.test.ts
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'tap'
import { chromium, type Page } from 'playwright-core'
import { freshDatabaseUrl, onPostgres } from '../helper.js'
import { startServer } from '../server-process.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

// Headless, and no way off this machine: every host name but 127.0.0.1 fails to resolve, and anything else would go
// through a proxy that does not exist.
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=socks5://127.0.0.1:9', '--proxy-bypass-list=127.0.0.1'
]

// Executes a tried-out operation and waits for the live answer with that status; returns its body as shown.
// `fresh` tells a new answer from the one a previous Execute left on the page.
async function executeAndWaitFor (page: Page, operation: string, status: number, fresh: (body: string) => boolean = () => true): Promise<string> {
  const block = page.locator(`#${operation}`)
  await block.locator('.execute').click()
  const body = block.locator('.live-responses-table .response-col_description .microlight').first()
  await block.locator('.live-responses-table .response .response-col_status', { hasText: new RegExp(`^\\s*${status}\\b`) }).first().waitFor({ timeout: 30_000 })
  for (let attempt = 0; attempt < 300; attempt++) {
    const text = await body.innerText()
    if (fresh(text)) return text
    await page.waitForTimeout(100)
  }
  throw new Error(`${operation}: no new ${status} answer after Execute`)
}

test('Swagger UI renders every operation, authorizes, and runs GET /todo, POST /todo twice and PUT /todo/{id}', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const message = `${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`
    if (process.env.CI !== undefined && process.env.CI !== '') {
      t.fail(`the browser test cannot run in CI: ${message}`)
      return
    }
    t.comment(`SKIPPED LOUDLY: ${message}`)
    t.pass('the Swagger UI browser test', { skip: message })
    return
  }
  const folder = t.testdir()
  const databaseUrl = onPostgres ? await freshDatabaseUrl(t) : `sqlite:${folder}/docs.db`
  const server = await startServer({ DATABASE_URL: databaseUrl, RATE_LIMIT_AUTH: '0' })
  t.teardown(() => server.stop())

  const document = await (await fetch(`${server.url}/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> }
  const operationCount = Object.values(document.paths).reduce((count, item) => count + Object.keys(item).length, 0)
  const account = { username: 'swagger', password: 'a passphrase for the browser test', name: 'Swagger' }
  t.equal((await fetch(`${server.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) })).status, 201)
  const login = await fetch(`${server.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: account.username, password: account.password }) })
  t.equal(login.status, 200)
  const { access_token: token } = await login.json() as { access_token: string }

  const context = await chromium.launchPersistentContext(join(folder, 'profile'), { executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, viewport: { width: 1280, height: 1400 } })
  t.teardown(() => context.close())
  const page = context.pages()[0] ?? await context.newPage()
  const consoleErrors: string[] = []
  page.on('console', (message) => { if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text()) })
  page.on('pageerror', (error) => consoleErrors.push(error.message))
  const screenshot = async (name: string) => await page.screenshot({ path: join(folder, `${name}.png`), fullPage: false })

  await page.goto(`${server.url}/docs`)
  await page.locator('.opblock').first().waitFor({ timeout: 30_000 })
  t.equal(await page.locator('.opblock').count(), operationCount, 'every operation of the document is rendered')
  await screenshot('1-rendered')

  await page.locator('.auth-wrapper .authorize').click()
  await page.locator('.modal-ux input').first().fill(token)
  await page.locator('.modal-ux .auth-btn-wrapper .authorize').click()
  await page.locator('.modal-ux .auth-btn-wrapper .btn-done').click()
  await screenshot('2-authorized')

  const list = 'operations-todo-listTodos'
  await page.locator(`#${list} .opblock-summary`).click()
  await page.locator(`#${list} .try-out__btn`).click()
  const order = page.locator(`#${list} tr[data-param-name="order"] select`)
  t.same(await order.locator('option').allInnerTexts(), ['--', 'asc', 'desc'], 'the dropdown offers every order')
  await order.selectOption('desc')
  const listed = await executeAndWaitFor(page, list, 200)
  t.same(JSON.parse(listed), [], 'GET /todo?order=desc answers the (empty) list')
  await page.locator(`#${list}`).scrollIntoViewIfNeeded()
  await screenshot('3-get-todo')

  const create = 'operations-todo-createTodo'
  await page.locator(`#${create} .opblock-summary`).click()
  await page.locator(`#${create} .try-out__btn`).click()
  await page.locator(`#${create} textarea.body-param__text`).fill(JSON.stringify({ title: 'Made in Swagger UI' }))
  t.equal(await page.locator(`#${create} tr[data-param-name="idempotency-key"] input`).inputValue(), '', 'Idempotency-Key starts empty')
  const created = JSON.parse(await executeAndWaitFor(page, create, 201)) as { id: number }
  t.match(created, { title: 'Made in Swagger UI', done: false, description: '' }, 'POST /todo created the task')
  await page.locator(`#${create}`).scrollIntoViewIfNeeded()
  await screenshot('4-post-todo')
  // A second Execute with the same fields is a second task, not a replay of the first (no Idempotency-Key was sent).
  const createdAgain = JSON.parse(await executeAndWaitFor(page, create, 201, (body) => !body.includes(`"id": ${created.id},`))) as { id: number }
  t.not(createdAgain.id, created.id, 'the second Execute made another task')

  const edit = 'operations-todo-updateTodo'
  await page.locator(`#${edit} .opblock-summary`).click()
  await page.locator(`#${edit} .try-out__btn`).click()
  t.equal(await page.locator(`#${edit} tr[data-param-name="if-match"] input`).inputValue(), '', 'If-Match starts empty')
  await page.locator(`#${edit} tr[data-param-name="id"] input`).fill(String(created.id))
  await page.locator(`#${edit} textarea.body-param__text`).fill(JSON.stringify({ title: 'Edited in Swagger UI' }))
  const edited = await executeAndWaitFor(page, edit, 200)
  t.match(JSON.parse(edited), { id: created.id, title: 'Edited in Swagger UI' }, 'PUT /todo/{id} with no If-Match answers 200')
  await page.locator(`#${edit}`).scrollIntoViewIfNeeded()
  await screenshot('5-put-todo')

  const mine = await fetch(`${server.url}/todo`, { headers: { authorization: `Bearer ${token}` } })
  const titles = (await mine.json() as Array<{ id: number, title: string }>).map(({ id, title }) => [id, title]).sort()
  t.same(titles, [[created.id, 'Edited in Swagger UI'], [createdAgain.id, 'Made in Swagger UI']].sort(), 'both tasks exist, made with the token from Authorize')
  t.same(consoleErrors, [], 'no console error or warning (CSP violations included)')
  t.comment(`screenshots: ${folder}`)
})
