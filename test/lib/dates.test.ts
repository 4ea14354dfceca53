// What a client may send as `due`, and the one UTC form the service stores.
import { test } from 'tap'
import { isIsoDateOrDateTime, nowIso, toUtcIso } from '../../lib/dates.js'

test('ISO 8601 dates and date-times with an offset are accepted', async (t) => {
  for (const value of [
    '2026-12-01',
    '2026-12-01T09:30:00Z',
    '2026-12-01T09:30:00+01:00',
    '2026-12-01T09:30:00-05:30',
    '2026-12-01T09:30:00.123Z',
    '2024-02-29',
    '0001-01-01',
    '9999-12-31T23:59:59Z'
  ]) {
    t.equal(isIsoDateOrDateTime(value), true, value)
  }
})

test('impossible, ambiguous or non-ISO values are refused', async (t) => {
  for (const value of [
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '31-12-2026',
    '12/31/2026',
    '2026-12-01T09:30:00',
    '2026-12-01T25:00:00Z',
    '2026-12-01T09:60:00Z',
    '',
    ' 2026-12-01',
    'tomorrow',
    '0000-01-01',
    '0000-12-31T23:59:59Z',
    '10000-01-01',
    '10000-01-01T00:00:00Z',
    '+010000-01-01T00:00:00.000Z',
    '1767225600000'
  ]) {
    t.equal(isIsoDateOrDateTime(value), false, JSON.stringify(value))
  }
})

test('an offset that moves the instant outside years 0001-9999 is refused', async (t) => {
  t.equal(isIsoDateOrDateTime('9999-12-31T23:30:00-01:00'), false, 'year 10000 in UTC')
  t.equal(isIsoDateOrDateTime('0001-01-01T00:30:00+01:00'), false, 'year 0 in UTC')
})

test('toUtcIso normalises to UTC with milliseconds', async (t) => {
  t.equal(toUtcIso('2026-12-01'), '2026-12-01T00:00:00.000Z', 'a date is midnight UTC')
  t.equal(toUtcIso('2026-12-01T09:30:00Z'), '2026-12-01T09:30:00.000Z')
  t.equal(toUtcIso('2026-12-01T09:30:00+01:00'), '2026-12-01T08:30:00.000Z')
  t.equal(toUtcIso('2026-12-01T09:30:00-05:30'), '2026-12-01T15:00:00.000Z')
  t.equal(toUtcIso('2026-12-01T00:30:00+02:00'), '2026-11-30T22:30:00.000Z', 'an offset can move the date back a day')
  t.equal(toUtcIso('2026-12-01T09:30:00.5Z'), '2026-12-01T09:30:00.500Z')
  t.equal(toUtcIso(new Date(Date.UTC(2026, 11, 1, 9, 30))), '2026-12-01T09:30:00.000Z', 'a Date')
})

test('every accepted value normalises to the sortable 24-character UTC form', async (t) => {
  for (const value of ['2026-12-01', '2026-12-01T09:30:00+01:00', '0001-01-01', '9999-12-31T23:59:59Z']) {
    t.match(toUtcIso(value), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, value)
  }
})

test('nowIso is the current instant in the UTC form', async (t) => {
  const before = Date.now()
  const now = nowIso()
  const after = Date.now()
  t.match(now, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  t.ok(Date.parse(now) >= before && Date.parse(now) <= after, 'between two readings of the clock')
})
