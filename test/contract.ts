// The contract check: every answer the tests receive, from app.inject (test/helper.ts) or from a real server
// (test/server-process.ts), must be one the OpenAPI document promises: its status listed for that operation, every
// header it carries declared (beyond GENERIC_HEADERS), and its body valid against the documented schema. The
// document is the one the app itself serves, so a route's schema and the check never drift apart. Validators are
// compiled once per document and per process.
import Ajv2020Module, { type ValidateFunction } from 'ajv/dist/2020.js'
import formatsModule from 'ajv-formats'

const Ajv2020 = Ajv2020Module.default
const addFormats = formatsModule.default

// Headers that describe the transport or the security posture of every answer, not the API: the document leaves them out.
export const GENERIC_HEADERS = new Set([
  'content-type', 'content-length', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'vary', 'x-request-id',
  // helmet, on every answer (plugins/http-safety.ts)
  'content-security-policy', 'cross-origin-opener-policy', 'cross-origin-resource-policy', 'cross-origin-embedder-policy',
  'origin-agent-cluster', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-dns-prefetch-control',
  'x-download-options', 'x-frame-options', 'x-permitted-cross-domain-policies', 'x-xss-protection',
  // CORS, only for configured origins
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers'
])

interface Header { $ref?: string, schema?: Record<string, unknown> }
interface DocumentedResponse { headers?: Record<string, Header>, content?: Record<string, { schema?: unknown }> }
interface Operation { responses?: Record<string, DocumentedResponse> }
interface Document { paths: Record<string, Record<string, Operation>>, components?: { headers?: Record<string, Header> } }

export interface Answer {
  method: string
  url: string
  status: number
  headers: Record<string, string | string[] | number | undefined>
  body: string
}

interface CompiledDocument {
  document: Document
  ajv: InstanceType<typeof Ajv2020>
  // Most specific first: /todo/ASC before /todo/{id}.
  templates: Array<{ path: string, pattern: RegExp }>
  validators: Map<string, ValidateFunction>
}

const compiled = new Map<string, CompiledDocument>()

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
}

function compile (text: string): CompiledDocument {
  const cached = compiled.get(text)
  if (cached !== undefined) return cached
  const document = JSON.parse(text) as Document
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema(document as object, 'openapi.json')
  const templates = Object.keys(document.paths)
    .map((path) => ({ path, params: (path.match(/\{/g) ?? []).length, pattern: new RegExp(`^${path.split(/\{[^}]+\}/).map(escapeRegExp).join('[^/]+')}$`) }))
    .sort((a, b) => a.params - b.params)
  const result = { document, ajv, templates, validators: new Map<string, ValidateFunction>() }
  compiled.set(text, result)
  return result
}

function pointer (...parts: string[]): string {
  return parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')
}

function validatorFor (contract: CompiledDocument, ref: string): ValidateFunction {
  let validate = contract.validators.get(ref)
  if (validate === undefined) {
    validate = contract.ajv.compile({ $ref: ref })
    contract.validators.set(ref, validate)
  }
  return validate
}

function headerSchema (contract: CompiledDocument, header: Header): Record<string, unknown> | undefined {
  const name = header.$ref?.replace('#/components/headers/', '')
  return (name === undefined ? header : contract.document.components?.headers?.[name])?.schema
}

// Header values are text; integer and number headers are compared as numbers.
function headerValue (schema: Record<string, unknown>, value: string): unknown {
  return (schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
}

function headerViolations (contract: CompiledDocument, name: string, declared: DocumentedResponse, answer: Answer): string[] {
  const problems: string[] = []
  const headers = Object.fromEntries(Object.entries(declared.headers ?? {}).map(([key, header]) => [key.toLowerCase(), header]))
  for (const [key, raw] of Object.entries(answer.headers)) {
    const header = key.toLowerCase()
    if (GENERIC_HEADERS.has(header) || raw === undefined) continue
    const declaredHeader = headers[header]
    if (declaredHeader === undefined) {
      problems.push(`${name}: header ${header} is sent but not declared for ${answer.status}`)
      continue
    }
    const schema = headerSchema(contract, declaredHeader)
    if (schema === undefined) continue
    const validate = contract.ajv.compile(schema)
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw)
    if (!validate(headerValue(schema, value))) problems.push(`${name}: header ${header}: ${JSON.stringify(value)} ${contract.ajv.errorsText(validate.errors)}`)
  }
  return problems
}

function bodyViolations (contract: CompiledDocument, name: string, path: string, method: string, declared: DocumentedResponse, answer: Answer): string[] {
  const documentedMethod = method === 'head' ? 'get' : method
  const hasBody = answer.body.length > 0 && method !== 'head'
  if (!hasBody) return []
  const contentType = String(answer.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''
  const media = declared.content?.[contentType]
  if (media === undefined) return [`${name}: a ${contentType || 'typeless'} body, which is not documented for ${answer.status} (${Object.keys(declared.content ?? {}).join(', ') || 'no body'})`]
  if (media.schema === undefined) return []
  let body: unknown = answer.body
  if (contentType === 'application/json') {
    try {
      body = JSON.parse(answer.body)
    } catch {
      return [`${name}: the body is not JSON: ${answer.body.slice(0, 200)}`]
    }
  }
  const validate = validatorFor(contract, `openapi.json#/${pointer('paths', path, documentedMethod, 'responses', String(answer.status), 'content', contentType, 'schema')}`)
  return validate(body) ? [] : [`${name}: body ${contract.ajv.errorsText(validate.errors)}: ${answer.body.slice(0, 300)}`]
}

// No operation: an unknown path (404), CORS preflights and Swagger UI's pages promise nothing; a documented path asked
// with a method it does not have must answer 405 method_not_allowed, its Allow listing the documented methods.
function methodNotAllowedViolations (contract: CompiledDocument, name: string, pathname: string, method: string, answer: Answer): string[] {
  const known = contract.templates.find(({ pattern }) => pattern.test(pathname))
  if (known === undefined || method === 'options') return []
  if (answer.status !== 405) return [`${name}: ${known.path} exists without ${answer.method}, which answers 405 (method_not_allowed), not ${answer.status}`]
  const documented = Object.keys(contract.document.paths[known.path] ?? {}).flatMap((each) => each === 'get' ? ['GET', 'HEAD'] : [each.toUpperCase()])
  const allowed = String(answer.headers.allow ?? '').split(/,\s*/).filter((each) => each !== '')
  const problems: string[] = []
  // Other paths' patterns may match too (/todo/ASC is also /todo/{id}): every documented method is allowed.
  const missing = documented.filter((each) => !allowed.includes(each))
  if (missing.length > 0) problems.push(`${name}: Allow ${JSON.stringify(answer.headers.allow)} lacks ${missing.join(', ')}`)
  let body: { code?: unknown } = {}
  try { body = JSON.parse(answer.body) } catch {}
  if (body.code !== 'method_not_allowed') problems.push(`${name}: code ${String(body.code)}, not method_not_allowed`)
  return problems
}

// What is wrong with an answer, measured against the document (an empty list when nothing is).
export function contractViolations (documentText: string, answer: Answer): string[] {
  const contract = compile(documentText)
  const method = answer.method.toLowerCase()
  const pathname = new URL(answer.url, 'http://localhost').pathname
  const template = contract.templates.find(({ path, pattern }) => pattern.test(pathname) && contract.document.paths[path]?.[method === 'head' ? 'get' : method] !== undefined)
  const name = `${answer.method} ${pathname} -> ${answer.status}`
  if (template === undefined) return methodNotAllowedViolations(contract, name, pathname, method, answer)
  const operation = contract.document.paths[template.path]?.[method === 'head' ? 'get' : method] as Operation
  const declared = operation.responses?.[String(answer.status)]
  if (declared === undefined) return [`${name}: status ${answer.status} is not listed for ${answer.method} ${template.path} (${Object.keys(operation.responses ?? {}).join(', ')}): ${answer.body.slice(0, 200)}`]
  return [...headerViolations(contract, name, declared, answer), ...bodyViolations(contract, name, template.path, method, declared, answer)]
}

interface Failing { fail?: (message: string) => unknown }

function report (t: Failing, problems: string[]): void {
  if (problems.length === 0) return
  const message = `outside the OpenAPI document: ${problems.join('; ')}`
  if (typeof t.fail === 'function') t.fail(message)
  else throw new Error(message)
}

interface Injector {
  inject: (...args: any[]) => any
  swagger: () => unknown
}

// Every promise-style app.inject({...}) of the app is checked as it resolves; a violation fails the test at that point.
export function checkInjectedAnswers (t: Failing, fastify: Injector): void {
  const inject = fastify.inject.bind(fastify)
  let documentText: string | undefined
  fastify.inject = function checkedInject (...args: unknown[]) {
    const [options, callback] = args
    if (options === undefined || typeof options === 'string' || callback !== undefined) return inject(...args)
    return (inject(options) as Promise<{ statusCode: number, headers: Answer['headers'], body: string, raw: { req: { method?: string, url?: string } } }>).then((response) => {
      documentText ??= JSON.stringify(fastify.swagger())
      const { method = 'GET', url = '/' } = response.raw.req
      report(t, contractViolations(documentText, { method, url, status: response.statusCode, headers: response.headers, body: response.body }))
      return response
    })
  }
}

interface Watched { url: string, documentText: Promise<string>, pending: Set<Promise<void>>, problems: string[] }
const watched = new Set<Watched>()
const unwatchedFetch = globalThis.fetch

// While a real server of the tests runs, every fetch to it (openapi-fetch included) is checked; stop() fails on a violation.
async function checkedFetch (input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const response = await unwatchedFetch(input, init)
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const server = [...watched].find((each) => url.startsWith(`${each.url}/`) || url === each.url)
  if (server === undefined) return response
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
  const copy = response.clone()
  const check = (async () => {
    const body = await copy.text()
    const headers = Object.fromEntries(copy.headers.entries())
    server.problems.push(...contractViolations(await server.documentText, { method, url: url.slice(server.url.length) || '/', status: copy.status, headers, body }))
  })().catch((error: unknown) => { server.problems.push(`checking ${method} ${url}: ${String(error)}`) })
  server.pending.add(check)
  check.finally(() => server.pending.delete(check)).catch(() => {})
  return response
}

export function checkServerAnswers<S extends { url: string, stop: () => Promise<R> }, R> (server: S): S {
  const entry: Watched = {
    url: server.url,
    documentText: unwatchedFetch(`${server.url}/docs/json`).then(async (response) => JSON.stringify(await response.json())),
    pending: new Set(),
    problems: []
  }
  watched.add(entry)
  globalThis.fetch = checkedFetch as typeof fetch
  const stop = server.stop.bind(server)
  return {
    ...server,
    async stop () {
      await Promise.all(entry.pending)
      watched.delete(entry)
      if (watched.size === 0) globalThis.fetch = unwatchedFetch
      const exit = await stop()
      report({}, entry.problems)
      return exit
    }
  }
}
