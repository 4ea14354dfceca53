// GET /todo cursors: the (due, id) of the last task of a page.
import { hasUtcForm, isRealInstant } from '../dates.js'
import { keysetCursor } from './keyset-page.js'
import { MAX_TASK_ID } from '../../schemas/todo.js'

export interface TaskPosition {
  due: string
  id: number
}

function isTaskId (value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= MAX_TASK_ID
}

export const taskCursor = keysetCursor<TaskPosition>({
  write: (last) => [last.due, last.id],
  read (fields) {
    const [due, id] = fields
    return fields.length === 2 && hasUtcForm(due) && isRealInstant(due) && isTaskId(id) ? { due, id } : undefined
  }
})
