// Exposes the validated configuration as fastify.config; tests pass their own through the app's options.
import fp from 'fastify-plugin'
import { loadConfig, type Config } from '../lib/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface ConfigPluginOptions {
  config?: Config
}

export default fp<ConfigPluginOptions>(async function config (fastify, opts) {
  fastify.decorate('config', opts.config ?? loadConfig(process.env))
}, { name: 'config' })
