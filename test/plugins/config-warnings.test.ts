// The config plugin says, once at start and in production too, what a deployment must check: TRUST_PROXY as a hop count.
import Fastify from 'fastify'
import { test, type Test } from 'tap'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../lib/config.js'

async function warningsAtStart (t: Test, env: Record<string, string>): Promise<Array<{ event?: string, variable?: string, msg: string }>> {
  const lines: Array<{ level: number, event?: string, variable?: string, msg: string }> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.ready()
  return lines.filter((line) => line.level === 40)
}

const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET: 'k7Qz9vR2mX4pL8wN1sT6yB3cF5hJ0dGa' }

test('production with TRUST_PROXY as a bare hop count starts, with one unsafe_configuration warning', async (t) => {
  const warnings = await warningsAtStart(t, { ...PRODUCTION, TRUST_PROXY: '2' })
  t.equal(warnings.length, 1)
  t.match(warnings[0], { event: 'unsafe_configuration', variable: 'TRUST_PROXY', msg: /^TRUST_PROXY is a hop count \(2\).*addresses or CIDRs/ })
})

test('production with the proxies\' addresses says nothing', async (t) => {
  t.same(await warningsAtStart(t, { ...PRODUCTION, TRUST_PROXY: '10.0.0.0/8' }), [])
})
