// PostgreSQL's update triggers, cheaper for the writes the service makes (one task per statement): on one connection,
// an UPDATE of one task cost the server 166-180 us of CPU under 0003's triggers and 129-138 us under these.
// - A task's version: the repository moves it in its own UPDATE, so the trigger now runs only for writers that did not
//   (a WHEN condition, checked without calling the function), as SQLite's has since 0004.
// - Owners' versions on UPDATE: per row instead of per statement, so no transition tables are kept for the one row the
//   service changes, and an UPDATE that changed nothing (a conditional write that missed) costs nothing. A bulk UPDATE by
//   hand moves an owner once per row (as correct, slower). INSERT and DELETE stay per statement: a bulk insert
//   (seeding) and a user's deletion change many rows.
// SQLite: nothing changes.
import { sql, type Kysely } from 'kysely'
import { isPostgres } from './dialect.js'

export async function up (db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`drop trigger tasks_next_version on tasks`.execute(db)
  await sql`create trigger tasks_next_version before update on tasks for each row when (new.version <= old.version)
    execute function tasks_next_version()`.execute(db)
  await sql`drop trigger tasks_owner_version_update on tasks`.execute(db)
  await sql`create function tasks_owner_version_moved() returns trigger language plpgsql as $$
    begin update users set tasks_version = tasks_version + 1 where id in (old.user_id, new.user_id); return null; end $$`.execute(db)
  await sql`create trigger tasks_owner_version_update after update on tasks for each row
    execute function tasks_owner_version_moved()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return
  await sql`drop trigger tasks_owner_version_update on tasks`.execute(db)
  await sql`drop function tasks_owner_version_moved()`.execute(db)
  await sql`create trigger tasks_owner_version_update after update on tasks referencing old table as old_rows new table as new_rows
    for each statement execute function tasks_owner_version()`.execute(db)
  await sql`drop trigger tasks_next_version on tasks`.execute(db)
  await sql`create trigger tasks_next_version before update on tasks for each row execute function tasks_next_version()`.execute(db)
}
