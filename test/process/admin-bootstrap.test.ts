// The bootstrap admin across real restarts: a stranger holding the name stops the start (exit 1, naming ADMIN_USERNAME).
import { test } from 'tap'
import { freshDatabaseUrl } from '../helper.js'
import { runUntilExit, startServer } from '../server-process.js'

const ADMIN_ENV = { ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'the operator\'s admin passphrase' }

test('a restart with ADMIN_USERNAME naming someone else\'s account ("Admin") refuses to start; without it the service starts', async (t) => {
  const env = { DATABASE_URL: await freshDatabaseUrl(t) }
  const first = await startServer(env)
  const registered = await fetch(`${first.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Admin', password: 'a stranger\'s own password', name: 'Not the operator' })
  })
  t.equal(registered.status, 201)
  t.equal((await first.stop()).code, 0)

  const refused = await runUntilExit({ ...env, ...ADMIN_ENV })
  t.equal(refused.code, 1, 'exit code')
  t.match(refused.output, 'ADMIN_USERNAME: the account \\"Admin\\" holds the name \\"admin\\" and its password is not ADMIN_PASSWORD')
  t.notMatch(refused.output, ADMIN_ENV.ADMIN_PASSWORD, 'the password is not printed')

  const again = await startServer(env)
  const login = await fetch(`${again.url}/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'Admin', password: 'a stranger\'s own password' })
  })
  t.equal(login.status, 200, 'the stranger\'s account is untouched')
  const profile = await fetch(`${again.url}/profile`, { headers: { authorization: `Bearer ${(await login.json() as { access_token: string }).access_token}` } })
  t.match(await profile.json(), { username: 'Admin', role: 'normal' })
  await again.stop()
})
