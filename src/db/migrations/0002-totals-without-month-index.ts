import type { Kysely } from 'kysely';

/**
 * Frozen. The month index on revenue_totals cost more than half of writing the totals at the end of
 * every revenue import, and served only two once-per-run questions (is any revenue dated in this
 * month, which is the latest month), which a scan of the small totals table answers in milliseconds.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('revenue_totals_month').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('revenue_totals_month').on('revenue_totals').column('month').execute();
}
