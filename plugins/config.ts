// Exposes the validated configuration as fastify.config; tests pass their own through the app's options.
import fp from 'fastify-plugin'
import { loadConfig, riskySettings, type Config } from '../lib/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface ConfigPluginOptions {
  config?: Config
}

export default fp<ConfigPluginOptions>(async function config (fastify, opts) {
  const config = opts.config ?? loadConfig(process.env)
  fastify.decorate('config', config)
  // Accepted everywhere, production included, but said once at start: what a deployment must check.
  for (const { variable, reason } of riskySettings(config)) {
    fastify.log.warn({ event: 'unsafe_configuration', variable }, `${variable} ${reason}`)
  }
}, { name: 'config' })
