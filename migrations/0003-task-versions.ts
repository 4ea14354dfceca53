// Versions the database keeps, so readers can tell "nothing changed" without reading the data: every task has a
// version, and every user a tasks_version that any change to their tasks moves forward in the same transaction.
// Triggers keep them, so no write path (repository, script, psql) can change a task without moving them.
// Also the Idempotency-Key table of POST /todo.
import { sql, type Kysely } from 'kysely'
import { isPostgres } from './dialect.js'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('tasks_version', 'integer', (column) => column.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('tasks').addColumn('version', 'integer', (column) => column.notNull().defaultTo(1)).execute()
  if (isPostgres(db)) await postgresTriggers(db)
  else await sqliteTriggers(db)

  await db.schema.createTable('idempotency_keys')
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (column) => column.notNull())
    .addColumn('request_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text')
    .addColumn('response_location', 'text')
    .addColumn('response_etag', 'text')
    .addPrimaryKeyConstraint('idempotency_keys_user_key', ['user_id', 'key'])
    .execute()
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute()
}

// SQLite has row triggers only. A task's own version: the repository moves it in its UPDATE (so RETURNING shows it);
// the trigger moves it for any other writer that did not.
async function sqliteTriggers (db: Kysely<any>): Promise<void> {
  await sql`create trigger tasks_version_insert after insert on tasks begin
    update users set tasks_version = tasks_version + 1 where id = new.user_id; end`.execute(db)
  // Only once the task's version has moved, which the next trigger does for writers that did not: owners move once.
  await sql`create trigger tasks_version_update after update on tasks when new.version <> old.version begin
    update users set tasks_version = tasks_version + 1 where id in (old.user_id, new.user_id); end`.execute(db)
  await sql`create trigger tasks_version_task_update after update on tasks when new.version = old.version begin
    update tasks set version = old.version + 1 where id = new.id; end`.execute(db)
  await sql`create trigger tasks_version_delete after delete on tasks begin
    update users set tasks_version = tasks_version + 1 where id = old.user_id; end`.execute(db)
}

// PostgreSQL: a task's version in a BEFORE row trigger (RETURNING sees it); owners' versions once per statement,
// from the transition tables, so a bulk insert of a million tasks updates each owner once, not a million times.
async function postgresTriggers (db: Kysely<any>): Promise<void> {
  await sql`create function tasks_next_version() returns trigger language plpgsql as $$
    begin new.version := old.version + 1; return new; end $$`.execute(db)
  await sql`create trigger tasks_next_version before update on tasks for each row execute function tasks_next_version()`.execute(db)
  await sql`create function tasks_owner_version() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        update users set tasks_version = tasks_version + 1 where id in (select user_id from new_rows);
      elsif tg_op = 'UPDATE' then
        update users set tasks_version = tasks_version + 1
          where id in (select user_id from new_rows union select user_id from old_rows);
      else
        update users set tasks_version = tasks_version + 1 where id in (select user_id from old_rows);
      end if;
      return null;
    end $$`.execute(db)
  await sql`create trigger tasks_owner_version_insert after insert on tasks referencing new table as new_rows
    for each statement execute function tasks_owner_version()`.execute(db)
  await sql`create trigger tasks_owner_version_update after update on tasks referencing old table as old_rows new table as new_rows
    for each statement execute function tasks_owner_version()`.execute(db)
  await sql`create trigger tasks_owner_version_delete after delete on tasks referencing old table as old_rows
    for each statement execute function tasks_owner_version()`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute()
  if (isPostgres(db)) {
    for (const trigger of ['tasks_next_version', 'tasks_owner_version_insert', 'tasks_owner_version_update', 'tasks_owner_version_delete']) {
      await sql`drop trigger ${sql.ref(trigger)} on tasks`.execute(db)
    }
    await sql`drop function tasks_next_version()`.execute(db)
    await sql`drop function tasks_owner_version()`.execute(db)
  } else {
    for (const trigger of ['tasks_version_insert', 'tasks_version_update', 'tasks_version_task_update', 'tasks_version_delete']) {
      await sql`drop trigger ${sql.ref(trigger)}`.execute(db)
    }
  }
  await db.schema.alterTable('tasks').dropColumn('version').execute()
  await db.schema.alterTable('users').dropColumn('tasks_version').execute()
}
