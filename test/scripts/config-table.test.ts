// docs/operations.md's configuration table is what lib/config.ts's SETTINGS generate (npm run docs:config rewrites it).
import { readFileSync } from 'node:fs'
import { test } from 'tap'
import { loadConfig, SETTINGS } from '../../lib/config.js'
import { renderConfigTable, withConfigTable } from '../../scripts/config-table.js'

const operations = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8')

test('the committed configuration table is the generated one', async (t) => {
  t.equal(withConfigTable(operations), operations, 'run npm run docs:config and commit docs/operations.md')
  t.ok(operations.includes(renderConfigTable()))
})

test('every configuration field comes from exactly one documented setting', async (t) => {
  const keys = SETTINGS.map((entry) => entry.key)
  t.same([...keys].sort(), Object.keys(loadConfig({})).sort(), 'one setting per Config field')
  t.equal(new Set(SETTINGS.map((entry) => entry.variable)).size, SETTINGS.length, 'no variable twice')
  for (const entry of SETTINGS) t.ok(operations.includes(`| \`${entry.variable}\` |`), `${entry.variable} has a row`)
})

test('the table gives the ranges the code enforces', async (t) => {
  const table = renderConfigTable()
  t.match(table, /\| `ACCESS_TOKEN_TTL` \| 900 \| 10 to 86400 \|/)
  t.match(table, /\| `PUBLIC_TODO_LIMIT` \| 5 \| 0 to 100 \|/)
  t.match(table, /\| `DATABASE_POOL_SIZE` \| 10 \| 1 to 1000 \|/)
  t.match(table, /\| `ARGON2_QUEUE_SIZE` \| 16 per CPU \| 0 to 100000 \| .*0: none wait/)
})

test('every whole-number setting: the table shows the bounds the reader enforces, from the same data', async (t) => {
  const bounded = SETTINGS.filter((entry) => entry.min !== undefined && entry.max !== undefined)
  t.ok(bounded.length >= 12, 'the numeric settings carry their bounds')
  for (const entry of bounded) {
    const min = entry.min ?? 0
    const max = entry.max ?? 0
    t.equal(entry.allowed, `${min} to ${max}`, `${entry.variable}: the table is written from min and max`)
    t.doesNotThrow(() => entry.read({ [entry.variable]: String(min) }), `${entry.variable}=${min} accepted`)
    t.doesNotThrow(() => entry.read({ [entry.variable]: String(max) }), `${entry.variable}=${max} accepted`)
    t.throws(() => entry.read({ [entry.variable]: String(max + 1) }), new RegExp(`${entry.variable} must be between ${min} and ${max}`), `${entry.variable}=${max + 1} refused`)
    if (min > 0) t.throws(() => entry.read({ [entry.variable]: String(min - 1) }), new RegExp(`${entry.variable} must be between`), `${entry.variable}=${min - 1} refused`)
  }
  t.equal(loadConfig({ ARGON2_QUEUE_SIZE: '0' }).argon2QueueSize, 0, 'ARGON2_QUEUE_SIZE=0 is accepted, and documented')
  t.match(renderConfigTable(), /\| `SHUTDOWN_DRAIN_MS` \| 5000 in production, 0 otherwise \| 0 to 600000 \|/)
})

test('SHUTDOWN_DRAIN_MS: 0 outside production so Ctrl-C stops at once, 5 s in production, and settable', async (t) => {
  t.equal(loadConfig({}).shutdownDrainMs, 0)
  t.equal(loadConfig({ NODE_ENV: 'test' }).shutdownDrainMs, 0)
  t.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'k3'.repeat(4) + 'a-random-enough-secret-of-32-bytes' }).shutdownDrainMs, 5000)
  t.equal(loadConfig({ SHUTDOWN_DRAIN_MS: '250' }).shutdownDrainMs, 250)
})
