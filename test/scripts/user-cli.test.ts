// npm run user: the operator's command line (the built dist/scripts/user.js, as `npm run user` runs it) on a
// database that the app then serves: create, promote, demote, disable, enable, reset-password.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { build, freshDatabaseUrl, logIn } from '../helper.js'

const cli = fileURLToPath(new URL('../../dist/scripts/user.js', import.meta.url))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

async function user (databaseUrl: string, args: string[], stdin = ''): Promise<Run> {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => { stdout += chunk })
  child.stderr.on('data', (chunk) => { stderr += chunk })
  child.stdin.end(stdin)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}

test('create reads the password from standard input; the user logs in with it', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const created = await user(databaseUrl, ['create', 'operator', '--admin', '--name', 'The Operator'], 'an operator passphrase\n')
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^created admin operator \([0-9a-f-]{36}\)\n$/)
  const normal = await user(databaseUrl, ['create', 'bob'], 'bob\'s own passphrase\r\nignored second line\n')
  t.equal(normal.code, 0, normal.stderr)
  t.match(normal.stdout, /^created normal bob/)

  const app = await build(t, { databaseUrl })
  const login = await logIn(app, 'operator', 'an operator passphrase')
  t.equal(login.statusCode, 200)
  const profile = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: `Bearer ${login.json().access_token}` } })
  t.match(profile.json(), { username: 'operator', name: 'The Operator', role: 'admin' })
  t.equal((await logIn(app, 'bob', 'bob\'s own passphrase')).statusCode, 200, 'only the first line, without its CR, is the password')

  const taken = await user(databaseUrl, ['create', 'BOB'], 'yet another passphrase\n')
  t.equal(taken.code, 1)
  t.match(taken.stderr, /already taken \(username_taken\)/)
})

test('a password on the command line, a short or common one, or none at all is refused, and nothing is created', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  const attempts: Array<{ args: string[], stdin: string, code: number, message: RegExp }> = [
    { args: ['create', 'eve', '--password', 'on the command line'], stdin: '', code: 2, message: /never from the command line/ },
    { args: ['create', 'eve', '--password=on-the-command-line'], stdin: '', code: 2, message: /never from the command line/ },
    { args: ['create', 'eve'], stdin: '', code: 1, message: /^npm run user: the password must be 8 to 128 characters \(read 0 from standard input\) \(validation_error\)\n$/ },
    { args: ['create', 'eve'], stdin: 'short\n', code: 1, message: /^npm run user: the password must be 8 to 128 characters \(read 5 from standard input\) \(validation_error\)\n$/ },
    { args: ['create', 'eve'], stdin: `${'x'.repeat(129)}\n`, code: 1, message: /8 to 128 characters.*\(validation_error\)/ },
    { args: ['create', 'eve'], stdin: 'password1\n', code: 1, message: /too commonly used.*\(weak_password\)/ },
    { args: ['create', 'evelyn-user'], stdin: 'EVELYN-USER\n', code: 1, message: /must not be the username \(weak_password\)/ },
    { args: ['create', 'evelyn'], stdin: 'a long enough passphrase\n', code: 0, message: /^$/ },
    { args: ['create', 'e'], stdin: 'a long enough passphrase\n', code: 1, message: /^npm run user: a username is 3 to 32 .* \(validation_error\)\n$/ },
    { args: ['create', 'eve', '--name', ''], stdin: 'a long enough passphrase\n', code: 1, message: /^npm run user: --name is 1 to 100 characters \(validation_error\)\n$/ },
    { args: ['frobnicate', 'eve'], stdin: '', code: 2, message: /unknown command "frobnicate"/ },
    { args: ['create'], stdin: '', code: 2, message: /a command and a username are needed/ },
    { args: ['promote', 'eve', '--admin'], stdin: '', code: 2, message: /go with create only/ },
    { args: ['promote', 'nobody'], stdin: '', code: 1, message: /^npm run user: no user named "nobody" \(not_found\)\n$/ }
  ]
  for (const { args, stdin, code, message } of attempts) {
    const run = await user(databaseUrl, args, stdin)
    t.equal(run.code, code, `${args.join(' ')}: exit ${code}`)
    t.match(run.stderr, message, `${args.join(' ')}: says why`)
    // Only a usage error (exit 2) prints the usage text; a refusal (exit 1) is its one line.
    t.equal(run.stderr.includes('Usage: npm run user'), code === 2, `${args.join(' ')}: usage text only for exit 2`)
  }
  const app = await build(t, { databaseUrl })
  const usernames = (await app.db.selectFrom('users').select('username').execute()).map((row) => row.username)
  t.same(usernames, ['evelyn'], 'only the acceptable one was created')
})

test('promote, demote, disable, enable and reset-password act on the user\'s next request', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  t.equal((await user(databaseUrl, ['create', 'root', '--admin'], 'the root passphrase\n')).code, 0)
  t.equal((await user(databaseUrl, ['create', 'alice'], 'alice\'s first passphrase\n')).code, 0)
  const app = await build(t, { databaseUrl })
  const token = async (password: string) => `Bearer ${(await logIn(app, 'alice', password)).json().access_token as string}`
  const adminOnly = async (authorization: string) => (await app.inject({ method: 'GET', url: '/admin_only', headers: { authorization } })).statusCode
  const alice = await token('alice\'s first passphrase')
  t.equal(await adminOnly(alice), 403)

  t.match((await user(databaseUrl, ['promote', 'alice'])).stdout, /alice is an admin/)
  t.equal(await adminOnly(alice), 200, 'promoted: the same token passes the admin gate')
  t.match((await user(databaseUrl, ['demote', 'ALICE'])).stdout, /alice is a normal user/, 'usernames in any letter case')
  t.equal(await adminOnly(alice), 403, 'demoted')

  t.equal((await user(databaseUrl, ['disable', 'alice'])).code, 0)
  const disabled = await app.inject({ method: 'GET', url: '/profile', headers: { authorization: alice } })
  t.match(disabled.json(), { statusCode: 403, code: 'account_disabled' })
  t.match((await logIn(app, 'alice', 'alice\'s first passphrase')).json(), { code: 'account_disabled' })
  t.equal((await user(databaseUrl, ['enable', 'alice'])).code, 0)
  t.match((await app.inject({ method: 'GET', url: '/profile', headers: { authorization: alice } })).json(), { statusCode: 401, code: 'token_revoked' }, 'enabled again: the sessions ended by disable stay ended')
  const afterEnable = await token('alice\'s first passphrase')
  t.equal((await app.inject({ method: 'GET', url: '/profile', headers: { authorization: afterEnable } })).statusCode, 200, 'enabled again: a new login works')

  const reset = await user(databaseUrl, ['reset-password', 'alice'], 'alice\'s second passphrase\n')
  t.equal(reset.code, 0, reset.stderr)
  t.match(reset.stdout, /every session of theirs has ended/)
  t.match((await app.inject({ method: 'GET', url: '/profile', headers: { authorization: afterEnable } })).json(), { code: 'token_revoked' }, 'old sessions end')
  t.equal((await logIn(app, 'alice', 'alice\'s first passphrase')).statusCode, 401, 'the old password no longer works')
  t.equal((await logIn(app, 'alice', 'alice\'s second passphrase')).statusCode, 200, 'the new one does')
})

test('the last active admin cannot be demoted or disabled from the command line either', async (t) => {
  const databaseUrl = await freshDatabaseUrl(t)
  t.equal((await user(databaseUrl, ['create', 'root', '--admin'], 'the root passphrase\n')).code, 0)
  for (const command of ['demote', 'disable']) {
    const run = await user(databaseUrl, [command, 'root'])
    t.equal(run.code, 1, command)
    t.match(run.stderr, /last active admin.*\(last_admin\)/, command)
  }
  t.equal((await user(databaseUrl, ['create', 'deputy', '--admin'], 'the deputy passphrase\n')).code, 0)
  t.equal((await user(databaseUrl, ['disable', 'root'])).code, 0, 'with another admin, it is allowed')
})
