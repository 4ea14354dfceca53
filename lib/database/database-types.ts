// Row types of every table; timestamps are ISO 8601 UTC strings and flags are 0/1 on every engine.
import type { Generated, Selectable } from 'kysely'

export type Role = 'normal' | 'admin'

export interface UsersTable {
  id: string
  username: string
  name: string
  password_hash: string
  role: Role
  disabled: number
  created_at: string
  updated_at: string
  // Changes with every password change, reset, disable and end of all sessions; sessions keep the one they began with.
  credential_version: Generated<number>
  // When an admin last demoted this user (null otherwise): the ADMIN_USERNAME bootstrap never undoes it.
  demoted_at: string | null
  // Moved forward by the database (migrations/0003) on every change to this user's tasks.
  tasks_version: Generated<number>
}

export type UserRow = Selectable<UsersTable>

export interface SessionsTable {
  id: string
  user_id: string
  created_at: string
  expires_at: string
  revoked_at: string | null
  // The user's credential_version when the session was opened; a session whose version is not the user's is over.
  credential_version: Generated<number>
}

export interface RefreshTokensTable {
  token_hash: string
  session_id: string
  created_at: string
  used_at: string | null
}

export interface TasksTable {
  id: Generated<number>
  user_id: string
  title: string
  description: string
  done: number
  due: string
  created_at: string
  updated_at: string
  version: Generated<number>
}

export interface SigningKeysTable {
  kid: string
  algorithm: string
  public_key: string
  private_key: string
  created_at: string
  retired_at: string | null
}

// The first answer to a POST /todo with an Idempotency-Key; response_status is null while it is still running.
export interface IdempotencyKeysTable {
  user_id: string
  key: string
  request_hash: string
  created_at: string
  response_status: number | null
  response_body: string | null
  response_location: string | null
  response_etag: string | null
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
  refresh_tokens: RefreshTokensTable
  tasks: TasksTable
  signing_keys: SigningKeysTable
  idempotency_keys: IdempotencyKeysTable
}
