import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Frozen. A person may correct a cycle's decision (an appeal granted, a review resolved by hand):
 * each override is kept with who, when, why, the decision and outcome it replaced and the policy
 * in force; the manual decision itself joins the cycle's history in `decisions`. No two overrides
 * may replace the same decision, so two made at once cannot both win.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = postgres ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
  await db.schema
    .createTable('overrides')
    .addColumn('id', sql`${id}`)
    .addColumn('cycle_id', 'integer', (c) => c.notNull())
    .addColumn('decision_id', 'integer', (c) => c.notNull().unique())
    .addColumn('replaced_decision_id', 'integer', (c) => c.unique())
    .addColumn('replaced_outcome', 'text')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('overridden_by', 'text', (c) => c.notNull())
    .addColumn('overridden_at', 'text', (c) => c.notNull())
    .addColumn('decided_on', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('notice_id', 'integer')
    .addColumn('reported_run_id', 'integer')
    .execute();
  await db.schema.createIndex('overrides_cycle').on('overrides').column('cycle_id').execute();
  await db.schema.createIndex('overrides_partner').on('overrides').columns(['partner_id', 'cycle']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('overrides').execute();
}
