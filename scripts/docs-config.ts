// npm run docs:config: rewrites the configuration table in docs/operations.md from lib/config.ts.
import { readFileSync, writeFileSync } from 'node:fs'
import { withConfigTable } from './config-table.js'

const document = new URL('../../docs/operations.md', import.meta.url)
const before = readFileSync(document, 'utf8')
const after = withConfigTable(before)
if (after !== before) writeFileSync(document, after)
console.log(after === before ? 'docs/operations.md: the configuration table is current' : 'docs/operations.md: configuration table rewritten')
