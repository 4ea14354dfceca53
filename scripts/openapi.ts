// npm run openapi: writes the document the server serves at /docs/json to openapi.json, and the client types
// generated from it (openapi-typescript) to clients/todo-api.ts. Commit both; tests fail when either is stale.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { clientTypes, servedOpenApiDocument } from './openapi-document.js'

// Compiled into dist/scripts/, so the repository is two folders up.
const repository = new URL('../../', import.meta.url)
const documentPath = fileURLToPath(new URL('openapi.json', repository))
const typesPath = fileURLToPath(new URL('clients/todo-api.ts', repository))

const document = await servedOpenApiDocument()
await writeFile(documentPath, document)
await mkdir(dirname(typesPath), { recursive: true })
await writeFile(typesPath, await clientTypes(document))
console.log(`wrote ${documentPath} and ${typesPath}`)
