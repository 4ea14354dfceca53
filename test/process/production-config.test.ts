// NODE_ENV=production refuses to start on an unsafe configuration, with a message naming the variable and exit code 1.
import { test } from 'tap'
import { freePort, runUntilExit, startServer } from '../server-process.js'

const safe = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-of-at-least-32-bytes!',
  DATABASE_URL: 'sqlite::memory:'
}

test('each unsafe production setting is refused', async (t) => {
  const cases: Array<[string, Record<string, string>]> = [
    ['JWT_SECRET', { JWT_SECRET: 'short-secret' }],
    ['RATE_LIMIT_AUTH', { RATE_LIMIT_AUTH: '0' }],
    ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'password123' }],
    ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'rootroot', ADMIN_PASSWORD: 'RootRoot' }],
    ['ADMIN_PASSWORD', { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
    ['LOGIN_FAILURE_LIMIT', { LOGIN_FAILURE_LIMIT: '0' }],
    ['RATE_LIMIT_GLOBAL', { RATE_LIMIT_GLOBAL: '0' }],
    ['JWT_SECRET', { JWT_SECRET: 'x'.repeat(48) }],
    ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '7200', REFRESH_TOKEN_TTL: '3600' }],
    ['NODE_ENV', { NODE_ENV: 'prod' }]
  ]
  for (const [variable, unsafe] of cases) {
    const result = await runUntilExit({ ...safe, ...unsafe, PORT: String(await freePort()) })
    t.equal(result.code, 1, `${JSON.stringify(unsafe)}: exit code`)
    t.match(result.output, `Invalid configuration: ${variable}`, `${JSON.stringify(unsafe)}: names ${variable}`)
  }
})

test('a safe production configuration starts, and SIGTERM closes it gracefully with exit code 0', async (t) => {
  const server = await startServer({ ...safe, ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'a long and unusual admin passphrase', LOG_LEVEL: 'info' })
  const health = await fetch(`${server.url}/health`)
  t.equal(health.status, 200)
  t.same(await health.json(), { status: 'ok' })
  const result = await server.stop()
  t.equal(result.code, 0)
  t.match(result.output, '"signal":"SIGTERM"')
  t.match(result.output, '"msg":"closing"')
})

test('development starts with the same settings and logs one warning line for each', async (t) => {
  const server = await startServer({
    DATABASE_URL: 'sqlite::memory:', NODE_ENV: 'development', TRUST_PROXY: 'true', RATE_LIMIT_GLOBAL: '0', JWT_SECRET: 'short-secret'
  })
  const result = await server.stop()
  const warnings = result.output.split('\n').filter((line) => line.includes('"event":"unsafe_configuration"'))
  t.equal(warnings.length, 3, 'one line per unsafe setting')
  for (const variable of ['JWT_SECRET', 'TRUST_PROXY', 'RATE_LIMIT_GLOBAL']) {
    t.equal(warnings.filter((line) => line.includes(`"variable":"${variable}"`) && line.includes('"level":40')).length, 1, `${variable}: one warning`)
  }
  t.notMatch(result.output, 'short-secret', 'the secret itself is not logged')
})
