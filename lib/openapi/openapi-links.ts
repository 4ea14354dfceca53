// OpenAPI links (3.1 section 4.8.20): how one answer feeds the next operation, for stateful testers and readers.
// Keyed by path, method and status of the answer they start from; the targets are operationIds.
type Link = { operationId: string, description: string, parameters?: Record<string, string>, requestBody?: unknown }

const TASK_ID = { id: '$response.body#/id' }
const BEARER = 'Send the access_token of this answer as `Authorization: Bearer ...`'

const TASK_LINKS: Record<string, Link> = {
  ReadTask: { operationId: 'showTodo', parameters: TASK_ID, description: 'Read the task just made' },
  EditTask: { operationId: 'updateTodo', parameters: TASK_ID, description: 'Edit it (send its ETag in If-Match to edit only what you read)' },
  DeleteTask: { operationId: 'deleteTodo', parameters: TASK_ID, description: 'Delete it' }
}

const TOKEN_LINKS: Record<string, Link> = {
  RefreshTokens: { operationId: 'refreshTokens', requestBody: { refresh_token: '$response.body#/refresh_token' }, description: 'Trade the refresh token for a new pair (once: it is spent)' },
  LogOut: { operationId: 'endSessions', description: `End the session; ${BEARER}` },
  ReadProfile: { operationId: 'showProfile', description: `The user these tokens belong to; ${BEARER}` }
}

export const OPERATION_LINKS: Record<string, Record<string, Record<string, Record<string, Link>>>> = {
  '/todo': { post: { 201: TASK_LINKS } },
  '/login': { post: { 200: TOKEN_LINKS } },
  '/refresh': { post: { 200: TOKEN_LINKS } }
}
