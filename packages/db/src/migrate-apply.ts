/**
 * drizzle's PostgreSQL migrator, step for step (the same journal, hashes,
 * `drizzle.__drizzle_migrations` rows and one transaction for everything
 * pending), except that the `drizzle` schema and its table are created only
 * when they are missing. drizzle runs `CREATE SCHEMA IF NOT EXISTS drizzle`
 * every time, and PostgreSQL checks CREATE on the database before it looks
 * whether the schema exists; here a migrating role needs CREATE on the
 * database only while the schema or an extension is still to be created.
 */
import { readMigrationFiles } from "drizzle-orm/migrator";
import type postgres from "postgres";

/** Applies what is pending; answers the applied migrations' journal `when` (drizzle's folderMillis). */
export async function applyJournal(sql: postgres.Sql, migrationsFolder: string): Promise<number[]> {
  const migrations = readMigrationFiles({ migrationsFolder });
  const [schema] = await sql`select 1 from pg_namespace where nspname = 'drizzle'`;
  if (!schema) await sql`create schema if not exists drizzle`;
  const [table] = await sql`
    select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'drizzle' and c.relname = '__drizzle_migrations'`;
  if (!table) {
    await sql`create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)`;
  }
  const [last] = await sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  const applied: number[] = [];
  await sql.begin(async (tx) => {
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) await tx.unsafe(statement);
      await tx`insert into drizzle.__drizzle_migrations ("hash", "created_at") values (${migration.hash}, ${migration.folderMillis})`;
      applied.push(migration.folderMillis);
    }
  });
  return applied;
}
