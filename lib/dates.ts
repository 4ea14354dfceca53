// Dates: what a client may send as `due`, and the one UTC form the service stores and returns.
import { fullFormats } from 'ajv-formats/dist/formats.js'

const isDate = fullFormats.date as { validate: (value: string) => boolean }
const isDateTime = fullFormats['date-time'] as { validate: (value: string) => boolean }
const UTC_FORM = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

export function isIsoDateOrDateTime (value: string): boolean {
  if (!isDate.validate(value) && !isDateTime.validate(value)) return false
  const time = Date.parse(value)
  if (!Number.isFinite(time)) return false
  // Years outside 0001-9999 (in UTC) would break the sortable fixed-width form, and year 0 exists in few client languages.
  const utc = new Date(time).toISOString()
  return utc.length === 24 && !utc.startsWith('0000')
}

export function toUtcIso (value: string | Date): string {
  return (typeof value === 'string' ? new Date(value) : value).toISOString()
}

// The shape alone of what toUtcIso writes: 2026-02-30T25:61:00.000Z passes.
export function hasUtcForm (value: unknown): value is string {
  return typeof value === 'string' && UTC_FORM.test(value)
}

// 2026-02-30T25:61:00.000Z has the UTC form but names no instant: a cursor carrying it is refused.
export function isRealInstant (value: string): boolean {
  const time = Date.parse(value)
  return Number.isFinite(time) && new Date(time).toISOString() === value
}

export function nowIso (): string {
  return new Date().toISOString()
}
