import { type Kysely, PostgresAdapter, sql } from 'kysely';

/** Frozen: never edit a migration that has shipped; add the next one instead. */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = postgres ? sql`bigserial primary key` : sql`integer primary key autoincrement`;

  await db.schema
    .createTable('import_batches')
    .addColumn('id', sql`${id}`)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('encoding', 'text', (c) => c.notNull())
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('inserted', 'integer', (c) => c.notNull())
    .addColumn('replaced', 'integer', (c) => c.notNull())
    .addColumn('skipped', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('import_batches_file', ['kind', 'format', 'sha256'])
    .execute();

  await db.schema
    .createTable('partners')
    .addColumn('partner_id', 'text', (c) => c.primaryKey())
    .addColumn('partner_name', 'text', (c) => c.notNull())
    .addColumn('onboarded_on', 'text', (c) => c.notNull())
    .addColumn('notice_to', 'text', (c) => c.notNull())
    .addColumn('notice_cc', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('tenant_ids', 'text', (c) => c.notNull())
    .addColumn('location_ids', 'text', (c) => c.notNull())
    .addColumn('regions', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('partner_aliases')
    .addColumn('alias_kind', 'text', (c) => c.notNull())
    .addColumn('alias', 'text', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('partner_aliases_pk', ['alias_kind', 'alias'])
    .execute();
  await db.schema.createIndex('partner_aliases_partner').on('partner_aliases').column('partner_id').execute();

  await db.schema
    .createTable('revenue_lines')
    .addColumn('id', sql`${id}`)
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('charge_date', 'text', (c) => c.notNull())
    .addColumn('amount_micro', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('transaction_id', 'text')
    .addColumn('tenant_id', 'text')
    .addColumn('invoice_number', 'text')
    .addColumn('product_category', 'text')
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .execute();
  // Partial indexes: a line without a transaction id (every Partner Center line) costs the
  // transaction-id index nothing, and only such lines are replaced by invoice.
  await db.schema
    .createIndex('revenue_lines_transaction')
    .on('revenue_lines')
    .column('transaction_id')
    .unique()
    .where(sql.ref('transaction_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('revenue_lines_invoice')
    .on('revenue_lines')
    .column('invoice_number')
    .where(sql.ref('transaction_id'), 'is', null)
    .execute();

  // The TTM sum reads one row per partner, month and currency from this clustered table instead of
  // millions of lines. The import adds what it inserts (summed in memory, one row per group at the
  // end of the file, in the same transaction); triggers take out what an update or delete removes,
  // so a replaced or deleted line can never be counted twice. A per-line index or an insert
  // trigger would cost several times more per imported line.
  await db.schema
    .createTable('revenue_totals')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_micro', 'bigint', (c) => c.notNull())
    .addColumn('lines', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('revenue_totals_pk', ['partner_id', 'month', 'currency'])
    .modifyEnd(postgres ? sql`` : sql`without rowid`)
    .execute();
  await db.schema.createIndex('revenue_totals_month').on('revenue_totals').column('month').execute();
  if (postgres) await createPostgresTotalsTrigger(db);
  else await createSqliteTotalsTriggers(db);

  await db.schema
    .createTable('fx_rates')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('usd_per_unit', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('fx_rates_pk', ['currency', 'month'])
    .execute();

  await db.schema
    .createTable('assessments')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('assessed_on', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('capability', 'text', (c) => c.notNull())
    .addColumn('score', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('assessments_pk', ['partner_id', 'assessed_on', 'category', 'capability'])
    .execute();

  await db.schema
    .createTable('security_snapshots')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('admin_users', 'integer', (c) => c.notNull())
    .addColumn('admin_users_with_mfa', 'integer', (c) => c.notNull())
    .addColumn('security_contact', 'text')
    .addColumn('alerts_total', 'integer', (c) => c.notNull())
    .addColumn('alerts_responded_in_time', 'integer', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('security_snapshots_pk', ['partner_id', 'as_of'])
    .execute();

  await db.schema
    .createTable('support_plans')
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('term_start', 'text', (c) => c.notNull())
    .addColumn('term_end', 'text', (c) => c.notNull())
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('support_plans_pk', ['partner_id', 'term_start'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', sql`${id}`)
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('counts', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .execute();

  await db.schema
    .createTable('run_locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cycles')
    .addColumn('id', sql`${id}`)
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('term_end', 'text')
    .addColumn('outcome', 'text')
    .addColumn('final', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('decided_on', 'text')
    .addColumn('reapply_eligible_on', 'text')
    .addColumn('deadline', 'text')
    .addColumn('told_on', 'text')
    .addColumn('last_decision_id', 'integer')
    .addUniqueConstraint('cycles_key', ['partner_id', 'trigger', 'cycle'])
    .execute();

  await db.schema
    .createTable('decisions')
    .addColumn('id', sql`${id}`)
    .addColumn('cycle_id', 'integer', (c) => c.notNull())
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('partner_id', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('cycle', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('final', 'integer', (c) => c.notNull())
    .addColumn('decided_on', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('reapply_eligible_on', 'text')
    .addColumn('deadline', 'text')
    .addColumn('checks', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('decisions_cycle').on('decisions').column('cycle_id').execute();
  await db.schema.createIndex('decisions_partner').on('decisions').columns(['partner_id', 'cycle']).execute();

  await db.schema
    .createTable('notices')
    .addColumn('id', sql`${id}`)
    .addColumn('run_id', 'integer', (c) => c.notNull())
    .addColumn('partner_id', 'text')
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('kinds', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('mail_from', 'text', (c) => c.notNull())
    .addColumn('mail_to', 'text', (c) => c.notNull())
    .addColumn('mail_cc', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .execute();
  // The bodies live apart from the status: a row is rewritten whole on every update, and a notice's
  // status changes with each send attempt while its text and HTML (kilobytes) never do.
  await db.schema
    .createTable('notice_bodies')
    .addColumn('notice_id', 'integer', (c) => c.primaryKey())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notices_status').on('notices').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notices_partner').on('notices').column('partner_id').execute();

  await db.schema
    .createTable('notice_decisions')
    .addColumn('notice_id', 'integer', (c) => c.notNull())
    .addColumn('decision_id', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('notice_decisions_pk', ['notice_id', 'decision_id'])
    .execute();
}

const SUBTRACT_OLD = (target: string) => `INSERT INTO revenue_totals (partner_id, month, currency, amount_micro, lines)
  VALUES (OLD.partner_id, substr(OLD.charge_date, 1, 7), OLD.currency, -OLD.amount_micro, -1)
  ON CONFLICT (partner_id, month, currency)
  DO UPDATE SET amount_micro = ${target}.amount_micro - OLD.amount_micro, lines = ${target}.lines - 1`;

async function createSqliteTotalsTriggers(db: Kysely<any>): Promise<void> {
  const on = 'revenue_lines';
  await sql.raw(`CREATE TRIGGER revenue_totals_update AFTER UPDATE OF partner_id, charge_date, currency, amount_micro ON ${on} BEGIN ${SUBTRACT_OLD('revenue_totals')}; END`).execute(db);
  await sql.raw(`CREATE TRIGGER revenue_totals_delete AFTER DELETE ON ${on} BEGIN ${SUBTRACT_OLD('revenue_totals')}; END`).execute(db);
}

export async function createPostgresTotalsTrigger(db: Kysely<any>): Promise<void> {
  await sql
    .raw(
      `CREATE FUNCTION revenue_totals_subtract_old() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN ${SUBTRACT_OLD('revenue_totals')}; RETURN NULL; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER revenue_totals_subtract_old AFTER DELETE OR UPDATE OF partner_id, charge_date, currency, amount_micro
       ON revenue_lines FOR EACH ROW EXECUTE FUNCTION revenue_totals_subtract_old()`,
    )
    .execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
