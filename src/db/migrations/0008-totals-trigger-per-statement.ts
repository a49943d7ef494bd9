import { type Kysely, PostgresAdapter, sql } from 'kysely';
import { createPostgresTotalsTrigger } from './0001-initial.js';

/**
 * Frozen. On PostgreSQL, what replaced or deleted revenue lines took out of revenue_totals was
 * subtracted by a trigger per row: each subtraction wrote a new version of its totals row, and
 * within one transaction every later one walked the versions before it, so replacing 300,000 lines
 * of a few partner-months took minutes. Triggers per statement subtract the old lines in one
 * grouped statement instead. SQLite updates rows in place, and keeps its triggers per row.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql.raw('DROP TRIGGER revenue_totals_subtract_old ON revenue_lines').execute(db);
  await sql.raw('DROP FUNCTION revenue_totals_subtract_old()').execute(db);
  await sql
    .raw(
      `CREATE FUNCTION revenue_totals_subtract_old_lines() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO revenue_totals (partner_id, month, currency, amount_micro, lines)
         SELECT partner_id, substr(charge_date, 1, 7), currency, -sum(amount_micro), -count(*) FROM old_lines GROUP BY 1, 2, 3
         ON CONFLICT (partner_id, month, currency)
         DO UPDATE SET amount_micro = revenue_totals.amount_micro + excluded.amount_micro, lines = revenue_totals.lines + excluded.lines;
         RETURN NULL;
       END $$`,
    )
    .execute(db);
  for (const event of ['UPDATE', 'DELETE']) {
    await sql
      .raw(
        `CREATE TRIGGER revenue_totals_subtract_${event.toLowerCase()}d AFTER ${event} ON revenue_lines
         REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION revenue_totals_subtract_old_lines()`,
      )
      .execute(db);
  }
}

/** Back to the trigger per row of the first release (kept for tests that upgrade from it). */
export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const event of ['update', 'delete']) await sql.raw(`DROP TRIGGER revenue_totals_subtract_${event}d ON revenue_lines`).execute(db);
  await sql.raw('DROP FUNCTION revenue_totals_subtract_old_lines()').execute(db);
  await createPostgresTotalsTrigger(db);
}
