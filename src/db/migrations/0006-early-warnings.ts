import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Frozen. An early warning is recorded once per partner, cycle and offset, with the projected checks
 * it told of and the notice that carried it: a re-run, or a run after a crash, finds it and warns no
 * one twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = postgres ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
  await db.schema
    .createTable('early_warnings')
    .addColumn('id', sql`${id}`)
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('months_before', 'integer', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('act_by', 'text', (c) => c.notNull())
    .addColumn('checks', 'text', (c) => c.notNull())
    .addColumn('basis', 'text', (c) => c.notNull())
    .addColumn('notice_id', 'integer')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('early_warnings_once', ['partner_id', 'trigger', 'cycle', 'months_before'])
    .execute();
  await db.schema.createIndex('early_warnings_cycle').on('early_warnings').columns(['cycle', 'partner_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('early_warnings').execute();
}
