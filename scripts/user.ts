// npm run user -- COMMAND USERNAME: the operator's tool for accounts, working on DATABASE_URL directly.
// Passwords are read from standard input (asked twice, unechoed, on a terminal), never from the command line,
// where they would land in shell history and process listings.
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { hash } from '@node-rs/argon2'
import { ApiError, type ErrorCode } from '../lib/api-error.js'
import { ConfigError, loadConfig } from '../lib/config.js'
import { openDatabase } from '../lib/database/database.js'
import { assertAcceptablePassword } from '../lib/auth/password-policy.js'
import { migrateToLatest } from '../migrations/index.js'
import { ARGON2_OPTIONS } from '../plugins/passwords.js'
import type { UserRow } from '../lib/database/database-types.js'
import { createUsersRepository } from '../plugins/repositories/users.js'

const USAGE = `Usage: npm run user -- COMMAND USERNAME [options]

Commands:
  create USERNAME [--name NAME] [--admin]   a new user (normal, or admin with --admin); password from standard input
  promote USERNAME                          make an admin
  demote USERNAME                           make a normal user (refused for the last active admin)
  disable USERNAME                          refuse their logins and tokens (refused for the last active admin)
  enable USERNAME                           undo disable
  reset-password USERNAME                   a new password from standard input; every session of the user ends

The password is the first line of standard input, e.g.  printf '%s\\n' "$PASSWORD" | npm run user -- create alice
On a terminal it is asked for twice, without echo. DATABASE_URL (or .env) names the database.

Exit codes: 0 done; 1 refused by a rule (the message ends with its code, as the API's: username_taken,
weak_password, validation_error, last_admin, not_found); 2 usage (this text); 3 failed (e.g. no database).`

// Exit codes, one per kind of outcome (docs/operations.md documents them).
const EXIT = { done: 0, refused: 1, usage: 2, failed: 3 } as const

// The command line (or the configuration) is wrong: the usage text is printed.
class UsageError extends Error {}

// A value breaks one of the account rules; the same codes as the API.
function refused (code: ErrorCode, message: string): ApiError {
  return new ApiError(400, code, message)
}

const MIN_PASSWORD = 8
const MAX_PASSWORD = 128

async function readHiddenLine (question: string): Promise<string> {
  const { stdin, stderr } = process
  stderr.write(question)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return await new Promise((resolve, reject) => {
    let answer = ''
    const finish = (): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stderr.write('\n')
    }
    const onData = (chunk: string): void => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n' || character === '\u0003' || character === '\u0004') {
          finish()
          if (character === '\r' || character === '\n') resolve(answer)
          else reject(refused('validation_error', 'cancelled'))
          return
        }
        answer = character === '\u007f' || character === '\b' ? answer.slice(0, -1) : answer + character
      }
    }
    stdin.on('data', onData)
  })
}

async function readPassword (username: string): Promise<string> {
  let password: string
  if (process.stdin.isTTY) {
    password = await readHiddenLine(`New password for ${username}: `)
    if (await readHiddenLine('Again: ') !== password) throw refused('validation_error', 'the two passwords differ')
  } else {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
  }
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw refused('validation_error', `the password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters (read ${password.length} from standard input)`)
  }
  assertAcceptablePassword(password, username)
  return password
}

function parseCommandLine (argv: string[]) {
  if (argv.some((argument) => /^--?p(assword)?(=|$)/.test(argument))) {
    throw new UsageError('passwords are read from standard input, never from the command line')
  }
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, admin: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }
  })
  const [command, username, ...extra] = positionals
  if (values.help === true) return undefined
  if (command === undefined || username === undefined) throw new UsageError('a command and a username are needed')
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`)
  if (command !== 'create' && (values.name !== undefined || values.admin)) throw new UsageError('--name and --admin go with create only')
  return { command, username, name: values.name, admin: values.admin }
}

async function run (argv: string[]): Promise<string> {
  const request = parseCommandLine(argv)
  if (request === undefined) return USAGE
  const { command, username } = request
  if (!['create', 'promote', 'demote', 'disable', 'enable', 'reset-password'].includes(command)) throw new UsageError(`unknown command "${command}"`)

  if (command === 'create') {
    if (!/^[A-Za-z0-9_.-]{3,32}$/.test(username)) throw refused('validation_error', 'a username is 3 to 32 of A-Z a-z 0-9 _ . -')
    const name = request.name ?? username
    if (name.length < 1 || name.length > 100) throw refused('validation_error', '--name is 1 to 100 characters')
  }
  // The password is read before the database is opened, so a refused one changes nothing.
  const password = command === 'create' || command === 'reset-password' ? await readPassword(username) : undefined

  if (existsSync('.env')) process.loadEnvFile('.env')
  const { databaseUrl } = loadConfig(process.env)
  const { db } = openDatabase(databaseUrl, { poolSize: 1 })
  try {
    await migrateToLatest(db)
    const users = createUsersRepository(db)
    if (command === 'create') {
      const created = await users.create({ username, name: request.name ?? username, passwordHash: await hash(password ?? '', ARGON2_OPTIONS), role: request.admin ? 'admin' : 'normal' })
      return `created ${created.role} ${created.username} (${created.id})`
    }
    const user: UserRow | undefined = await users.findByUsername(username)
    if (user === undefined) throw refused('not_found', `no user named "${username}"`)
    switch (command) {
      case 'promote':
        await users.update(user.id, { role: 'admin' })
        return `${user.username} is an admin`
      case 'demote':
        await users.update(user.id, { role: 'normal' })
        return `${user.username} is a normal user`
      case 'disable':
        await users.update(user.id, { disabled: true })
        return `${user.username} is disabled: no login, and their tokens answer 403 account_disabled`
      case 'enable':
        await users.update(user.id, { disabled: false })
        return `${user.username} is enabled`
      default:
        await users.resetPassword(user.id, await hash(password ?? '', ARGON2_OPTIONS))
        return `${user.username} has a new password; every session of theirs has ended`
    }
  } finally {
    await db.destroy()
  }
}

try {
  console.log(await run(process.argv.slice(2)))
} catch (error) {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`npm run user: ${error.message}\n\n${USAGE}`)
    process.exitCode = EXIT.usage
  } else if (error instanceof ApiError) {
    // The same rules as the API: username_taken, weak_password, last_admin.
    console.error(`npm run user: ${error.message} (${error.code})`)
    process.exitCode = EXIT.refused
  } else {
    console.error('npm run user: failed:', error)
    process.exitCode = EXIT.failed
  }
}
