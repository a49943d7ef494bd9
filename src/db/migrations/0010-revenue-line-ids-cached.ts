import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Frozen. On PostgreSQL, a connection takes revenue line ids a thousand at a time instead of
 * locking the sequence for every line a COPY inserts. Ids are only the lines' own key, never an
 * order, so the gap a connection leaves when it ends with ids unused changes nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await setCache(db, 1000);
}

export async function down(db: Kysely<any>): Promise<void> {
  await setCache(db, 1);
}

async function setCache(db: Kysely<any>, ids: number): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const [sequence] = (await sql<{ name: string }>`SELECT pg_get_serial_sequence('revenue_lines', 'id') AS name`.execute(db)).rows;
  await sql.raw(`ALTER SEQUENCE ${sequence!.name} CACHE ${ids}`).execute(db);
}
