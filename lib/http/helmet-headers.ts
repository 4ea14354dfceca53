// helmet's headers, worked out once: with fixed options they are the same on every answer, and @fastify/helmet
// rebuilt helmet's middleware chain on every request (6.8% of GET /todo's CPU under load; measured with npm run bench).
import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet, { type HelmetOptions } from 'helmet'

export function helmetHeaders (options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const recorder = {
    setHeader (name: string, value: string | number) { headers[name.toLowerCase()] = String(value) },
    removeHeader (name: string) { delete headers[name.toLowerCase()] }
  }
  // No option of ours reads the request or waits (CSP nonces would), so the chain finishes before this returns.
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {})
  return Object.freeze(headers)
}

// The API's own: it answers JSON only, so its responses may load nothing and be framed by nobody (Swagger UI sets its
// own policy on /docs). Set on every answer, refusals made before routing (a malformed URL) included.
export const API_SECURITY_HEADERS = helmetHeaders({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-site' }
})
