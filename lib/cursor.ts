// Opaque keyset cursors: the (due, id) of the last task of a page, base64url-encoded.
import { ApiError } from './api-error.js'
import { MAX_TASK_ID } from '../schemas/todo.js'

export interface TaskPosition {
  due: string
  id: number
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

// 2026-02-30T25:61:00.000Z has the shape but names no instant.
function isRealInstant (value: string): boolean {
  const time = Date.parse(value)
  return Number.isFinite(time) && new Date(time).toISOString() === value
}

export function encodeCursor (position: TaskPosition): string {
  return Buffer.from(JSON.stringify([position.due, position.id])).toString('base64url')
}

export function decodeCursor (cursor: string): TaskPosition {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [due, id] = decoded as unknown[]
    if (typeof due === 'string' && ISO_UTC.test(due) && isRealInstant(due) && Number.isSafeInteger(id) && (id as number) > 0 && (id as number) <= MAX_TASK_ID) {
      return { due, id: id as number }
    }
  }
  throw new ApiError(400, 'validation_error', 'querystring/cursor is not a cursor this service issued')
}
