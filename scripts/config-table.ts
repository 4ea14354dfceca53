// The configuration table in docs/operations.md, generated from lib/config.ts's SETTINGS so the two cannot drift.
import { SETTINGS } from '../lib/config.js'

export const TABLE_START = '<!-- config-table:start (npm run docs:config writes this table from lib/config.ts) -->'
export const TABLE_END = '<!-- config-table:end -->'

function cell (value: string): string {
  return value.replaceAll('|', '\\|')
}

export function renderConfigTable (): string {
  const rows = SETTINGS.map((entry) => `| \`${entry.variable}\` | ${cell(entry.default)} | ${cell(entry.allowed)} | ${cell(entry.description)} |`)
  return ['| Variable | Default | Allowed | What it does |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

// The document with the text between the markers replaced by the current table.
export function withConfigTable (document: string): string {
  const start = document.indexOf(TABLE_START)
  const end = document.indexOf(TABLE_END)
  if (start === -1 || end < start) throw new Error(`the document has no ${TABLE_START} ... ${TABLE_END} markers`)
  return `${document.slice(0, start + TABLE_START.length)}\n${renderConfigTable()}\n${document.slice(end)}`
}
