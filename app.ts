// The application as a plugin: shared plugins first, then the autoloaded routes (the folder is the URL prefix).
import { join } from 'node:path'
import AutoLoad from '@fastify/autoload'
import type { FastifyPluginAsync } from 'fastify'
import type { Config } from './lib/config.js'
import { createValidatorCompiler } from './lib/http/validator-compiler.js'

export interface AppOptions {
  config?: Config
}

const app: FastifyPluginAsync<AppOptions> = async function app (fastify, opts) {
  fastify.setValidatorCompiler(createValidatorCompiler())
  // JSON only: a text/plain body is refused with 415 instead of reaching the schemas as a string.
  fastify.removeContentTypeParser('text/plain')
  await fastify.register(AutoLoad, { dir: join(import.meta.dirname, 'plugins'), options: opts })
  await fastify.register(AutoLoad, { dir: join(import.meta.dirname, 'routes'), autoHooks: true, cascadeHooks: true, options: opts })
}

export default app
