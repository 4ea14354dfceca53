// GET /todo cursors: what taskCursor.encode issues decodes back; anything else is a 400 validation_error.
import { test, type Test } from 'tap'
import { ApiError } from '../../../lib/api-error.js'
import { taskCursor } from '../../../lib/listing/cursor.js'
import { MAX_TASK_ID } from '../../../schemas/todo.js'

const DUE = '2026-12-01T09:30:00.000Z'

const asCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function rejectionOf (cursor: string): unknown {
  try {
    return taskCursor.decode(cursor)
  } catch (error) {
    return error
  }
}

function assertRejected (t: Test, cursor: string, description: string): void {
  const error = rejectionOf(cursor)
  t.ok(error instanceof ApiError, `${description}: an ApiError`)
  t.match(error, { statusCode: 400, code: 'validation_error', message: 'querystring/cursor is not a cursor this service issued' }, description)
}

test('a cursor round-trips', async (t) => {
  for (const position of [{ due: DUE, id: 1 }, { due: '0001-01-01T00:00:00.000Z', id: 42 }, { due: '9999-12-31T23:59:59.999Z', id: MAX_TASK_ID }]) {
    const cursor = taskCursor.encode(position)
    t.match(cursor, /^[A-Za-z0-9_-]+$/, 'only base64url characters, safe in a query string')
    t.same(taskCursor.decode(cursor), position)
  }
})

test('a cursor is opaque but stable', async (t) => {
  t.equal(taskCursor.encode({ due: DUE, id: 7 }), asCursor([DUE, 7]))
})

test('garbage is refused', async (t) => {
  assertRejected(t, '', 'empty string')
  assertRejected(t, 'not-a-cursor', 'plain text')
  assertRejected(t, '!!!!', 'no base64url at all')
  assertRejected(t, Buffer.from('{"due":').toString('base64url'), 'truncated JSON')
  assertRejected(t, asCursor([DUE, 7]).slice(0, -4), 'a real cursor cut short')
})

test('wrong shapes are refused', async (t) => {
  assertRejected(t, asCursor(null), 'null')
  assertRejected(t, asCursor(7), 'a number')
  assertRejected(t, asCursor(DUE), 'a string')
  assertRejected(t, asCursor({ due: DUE, id: 7 }), 'an object with the right fields')
  assertRejected(t, asCursor([]), 'an empty array')
  assertRejected(t, asCursor([DUE]), 'one element')
  assertRejected(t, asCursor([DUE, 7, 8]), 'three elements')
  assertRejected(t, asCursor([7, DUE]), 'elements swapped')
  assertRejected(t, asCursor([DUE, '7']), 'id as a string')
  assertRejected(t, asCursor([DUE, null]), 'id null')
  assertRejected(t, asCursor([null, 7]), 'due null')
})

test('ids that are not positive safe integers are refused', async (t) => {
  assertRejected(t, asCursor([DUE, -1]), 'negative id')
  assertRejected(t, asCursor([DUE, 0]), 'zero id')
  assertRejected(t, asCursor([DUE, 1.5]), 'float id')
  assertRejected(t, asCursor([DUE, MAX_TASK_ID + 1]), 'an id beyond the largest task id')
  assertRejected(t, asCursor([DUE, Number.MAX_SAFE_INTEGER + 1]), 'unsafe integer id')
  assertRejected(t, Buffer.from(`["${DUE}",1e400]`).toString('base64url'), 'id overflowing to Infinity')
})

test('dues that are not the service\'s UTC form are refused', async (t) => {
  assertRejected(t, asCursor(['2026-12-01', 7]), 'a date without a time')
  assertRejected(t, asCursor(['2026-12-01T09:30:00Z', 7]), 'no milliseconds')
  assertRejected(t, asCursor(['2026-12-01T09:30:00.000+01:00', 7]), 'an offset instead of Z')
  assertRejected(t, asCursor(['tomorrow', 7]), 'words')
  assertRejected(t, asCursor(['+010000-01-01T00:00:00.000Z', 7]), 'a six-digit year')
  assertRejected(t, asCursor([`${DUE}' OR 1=1 --`, 7]), 'SQL tacked on')
})

test('a due shaped like the UTC form but not a real instant is refused', async (t) => {
  // The service never issues such a cursor; only its shape is checked today.
  const error = rejectionOf(asCursor(['2026-02-30T25:61:00.000Z', 7]))
  t.ok(error instanceof ApiError, 'an impossible date and time is refused')
})
