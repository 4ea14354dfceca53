// SQLite's task version triggers, again: those of 0003 missed two ways a row of tasks can change. An owner change
// written by hand (UPDATE tasks SET user_id) moved only the new owner (the trigger that moves the task's version ran
// a nested UPDATE, whose "old" row already had the new owner), and INSERT OR REPLACE deleted the row it replaced
// without a delete trigger (SQLite fires none for REPLACE unless recursive_triggers is on), so its owner kept a
// tasks_version under which the page cache still served the old page. PostgreSQL's statement triggers (0003) see
// both owners through their transition tables and have no REPLACE: nothing changes there.
import { sql, type Kysely } from 'kysely'
import { isPostgres } from './dialect.js'

export async function up (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  for (const trigger of ['tasks_version_insert', 'tasks_version_update', 'tasks_version_task_update']) {
    await sql`drop trigger ${sql.ref(trigger)}`.execute(db)
  }
  // The row an INSERT OR REPLACE (or an upsert) is about to replace, kept from its BEFORE INSERT to its AFTER INSERT:
  // its owner is moved, and the task's version continues from it, so an old ETag never names new content.
  await db.schema.createTable('tasks_replaced')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('version', 'integer', (column) => column.notNull())
    .execute()
  await sql`create trigger tasks_version_before_insert before insert on tasks begin
    delete from tasks_replaced where id = new.id;
    insert into tasks_replaced (id, user_id, version) select id, user_id, version from tasks where id = new.id; end`.execute(db)
  await sql`create trigger tasks_version_insert after insert on tasks begin
    update users set tasks_version = tasks_version + 1
      where id = new.user_id or id in (select user_id from tasks_replaced where id = new.id);
    update tasks set version = (select version + 1 from tasks_replaced where id = new.id)
      where id = new.id and version <= (select version from tasks_replaced where id = new.id);
    delete from tasks_replaced where id = new.id; end`.execute(db)
  // A writer that moved the task's version forward (the repository does, in its UPDATE): both owners move here.
  await sql`create trigger tasks_version_update after update on tasks when new.version > old.version begin
    update users set tasks_version = tasks_version + 1 where id in (old.user_id, new.user_id); end`.execute(db)
  // Any other writer: the task's version moves forward in a nested UPDATE, whose trigger (above) sees the row as this
  // UPDATE left it and so moves only the new owner; the old owner, when it was another, is moved here.
  await sql`create trigger tasks_version_task_update after update on tasks when new.version <= old.version begin
    update users set tasks_version = tasks_version + 1 where id = old.user_id and old.user_id <> new.user_id;
    update tasks set version = old.version + 1 where id = new.id; end`.execute(db)
  // UPDATE OR REPLACE of a task's id onto another task's replaces that one, again without a delete trigger.
  await sql`create trigger tasks_version_id_replace before update of id on tasks when new.id <> old.id begin
    update users set tasks_version = tasks_version + 1 where id in (select user_id from tasks where id = new.id); end`.execute(db)
}

export async function down (db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return
  for (const trigger of ['tasks_version_before_insert', 'tasks_version_insert', 'tasks_version_update', 'tasks_version_task_update', 'tasks_version_id_replace']) {
    await sql`drop trigger ${sql.ref(trigger)}`.execute(db)
  }
  await db.schema.dropTable('tasks_replaced').execute()
  // 0003's triggers, as they were.
  await sql`create trigger tasks_version_insert after insert on tasks begin
    update users set tasks_version = tasks_version + 1 where id = new.user_id; end`.execute(db)
  await sql`create trigger tasks_version_update after update on tasks when new.version <> old.version begin
    update users set tasks_version = tasks_version + 1 where id in (old.user_id, new.user_id); end`.execute(db)
  await sql`create trigger tasks_version_task_update after update on tasks when new.version = old.version begin
    update tasks set version = old.version + 1 where id = new.id; end`.execute(db)
}
