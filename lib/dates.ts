// Dates: what a client may send as `due`, and the one UTC form the service stores and returns.
import { fullFormats } from 'ajv-formats/dist/formats.js'

const isDate = fullFormats.date as { validate: (value: string) => boolean }
const isDateTime = fullFormats['date-time'] as { validate: (value: string) => boolean }
const UTC_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export function isIsoDateOrDateTime (value: string): boolean {
  if (!isDate.validate(value) && !isDateTime.validate(value)) return false
  const time = Date.parse(value)
  // Years outside 0000-9999 would break the sortable fixed-width UTC form.
  return Number.isFinite(time) && new Date(time).toISOString().length === 24
}

export function toUtcIso (value: string | Date): string {
  return (typeof value === 'string' ? new Date(value) : value).toISOString()
}

// The shape alone of what toUtcIso writes: 2026-02-30T25:61:00.000Z passes.
export function hasUtcForm (value: unknown): value is string {
  return typeof value === 'string' && UTC_FORM.test(value)
}

export function nowIso (): string {
  return new Date().toISOString()
}
