// The OpenAPI document exactly as GET /docs/json serves it, and the TypeScript types that clients generate from it.
// Used by `npm run openapi` (which commits both) and by the tests that fail when either is stale.
import Fastify from 'fastify'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'
import app from '../app.js'
import { loadConfig } from '../lib/config.js'

// Default settings, not the caller's environment, so the committed openapi.json does not depend on who generated it.
export async function servedOpenApiDocument (): Promise<string> {
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' })
  const fastify = Fastify({ logger: false })
  await fastify.register(app, { config })
  try {
    const response = await fastify.inject({ method: 'GET', url: '/docs/json' })
    if (response.statusCode !== 200) throw new Error(`GET /docs/json answered ${response.statusCode}`)
    return formatDocument(response.json())
  } finally {
    await fastify.close()
  }
}

export function formatDocument (document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`
}

// openapi-typescript's output, with a lint exemption: it is generated code, checked by tsc, not written by hand.
export async function clientTypes (documentText: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(documentText))
  return `/* eslint-disable */\n${COMMENT_HEADER}// Regenerate with \`npm run openapi\` after changing a route or a schema.\n\n${astToString(ast)}`
}
