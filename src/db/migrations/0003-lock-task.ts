import type { Kysely } from 'kysely';

/**
 * Frozen. Runs and imports take turns under one lock, and the row in run_locks names what holds
 * it (`run 42`, `import of data/incoming`), so that the one waiting can say what it waits for.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('run_locks').addColumn('task', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('run_locks').dropColumn('task').execute();
}
