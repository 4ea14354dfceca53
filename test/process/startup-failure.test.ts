// A server that cannot use its database or its configuration says why and exits non-zero, instead of serving errors.
import { test } from 'tap'
import { freePort, runUntilExit } from '../server-process.js'

test('an unreachable PostgreSQL stops the start with a clear message and exit code 1', async (t) => {
  const closedPort = await freePort()
  const result = await runUntilExit({ DATABASE_URL: `postgres://postgres:secret@127.0.0.1:${closedPort}/nowhere`, PORT: String(await freePort()) })
  t.equal(result.code, 1)
  t.match(result.output, `Cannot use the database at postgres://postgres:***@127.0.0.1:${closedPort}/nowhere`)
  t.notMatch(result.output, 'secret', 'the password is not printed')
})

test('no form of the database password reaches the output of a failed start', async (t) => {
  const closedPort = await freePort()
  const forms = [
    [`postgres://:pw-in-userinfo@127.0.0.1:${closedPort}/nowhere`, `postgres://:***@127.0.0.1:${closedPort}/nowhere`],
    [`postgres://127.0.0.1:${closedPort}/nowhere?password=pw-in-query`, `postgres://127.0.0.1:${closedPort}/nowhere?password=***`],
    [`postgresql://app@127.0.0.1:${closedPort}/nowhere?sslmode=disable&PassWord=pw-in-mixed-case`, `postgresql://app@127.0.0.1:${closedPort}/nowhere?sslmode=disable&PassWord=***`]
  ]
  for (const [url, shown] of forms) {
    const result = await runUntilExit({ DATABASE_URL: url as string, PORT: String(await freePort()) })
    t.equal(result.code, 1, `${shown}: exit code`)
    t.match(result.output, `Cannot use the database at ${shown as string}`, `${shown}: the URL is named, masked`)
    t.notMatch(result.output, /pw-in-/, `${shown}: the password is not printed`)
  }
})

test('a bad variable stops the start with a message naming it', async (t) => {
  for (const [variable, value] of [['PORT', 'abc'], ['DATABASE_URL', 'mysql://x'], ['TRUST_PROXY', 'everyone'], ['ACCESS_TOKEN_TTL', '-5']]) {
    const result = await runUntilExit({ [variable as string]: value as string })
    t.equal(result.code, 1, `${variable}=${value}`)
    t.match(result.output, `Invalid configuration: ${variable}`)
  }
})
