import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Frozen. A security snapshot may come from Microsoft Graph's partner security score as well as
 * from the security CSV: it records its source, the Graph-only facts (the security-contact
 * requirement's status, the average alert response time as exact decimal text, and the tenants and
 * requirements it was read from), and counts it does not know stay empty instead of being made up.
 */
const COUNTS = ['admin_users', 'admin_users_with_mfa', 'alerts_total', 'alerts_responded_in_time'];
const KEPT = 'partner_id, as_of, admin_users, admin_users_with_mfa, security_contact, alerts_total, alerts_responded_in_time, batch_id';

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const column of COUNTS) await sql.raw(`ALTER TABLE security_snapshots ALTER COLUMN ${column} DROP NOT NULL`).execute(db);
    await sql.raw(`ALTER TABLE security_snapshots ADD COLUMN source text NOT NULL DEFAULT 'csv'`).execute(db);
    for (const column of ['contact_status', 'average_response_hours', 'details']) {
      await sql.raw(`ALTER TABLE security_snapshots ADD COLUMN ${column} text`).execute(db);
    }
    return;
  }
  // SQLite cannot drop a NOT NULL constraint: the table is rebuilt with the same rows.
  await sql.raw(`CREATE TABLE security_snapshots_new (
    partner_id text NOT NULL,
    as_of text NOT NULL,
    admin_users integer,
    admin_users_with_mfa integer,
    security_contact text,
    alerts_total integer,
    alerts_responded_in_time integer,
    batch_id integer NOT NULL,
    source text NOT NULL DEFAULT 'csv',
    contact_status text,
    average_response_hours text,
    details text,
    CONSTRAINT security_snapshots_pk PRIMARY KEY (partner_id, as_of)
  )`).execute(db);
  await sql.raw(`INSERT INTO security_snapshots_new (${KEPT}) SELECT ${KEPT} FROM security_snapshots`).execute(db);
  await sql.raw('DROP TABLE security_snapshots').execute(db);
  await sql.raw('ALTER TABLE security_snapshots_new RENAME TO security_snapshots').execute(db);
}

/** Back to the first release's table; refused by the NOT NULL constraints once a Graph snapshot left a count unknown. */
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    for (const column of ['source', 'contact_status', 'average_response_hours', 'details']) {
      await sql.raw(`ALTER TABLE security_snapshots DROP COLUMN ${column}`).execute(db);
    }
    for (const column of COUNTS) await sql.raw(`ALTER TABLE security_snapshots ALTER COLUMN ${column} SET NOT NULL`).execute(db);
    return;
  }
  await sql.raw(`CREATE TABLE security_snapshots_old (
    partner_id text NOT NULL,
    as_of text NOT NULL,
    admin_users integer NOT NULL,
    admin_users_with_mfa integer NOT NULL,
    security_contact text,
    alerts_total integer NOT NULL,
    alerts_responded_in_time integer NOT NULL,
    batch_id integer NOT NULL,
    CONSTRAINT security_snapshots_pk PRIMARY KEY (partner_id, as_of)
  )`).execute(db);
  await sql.raw(`INSERT INTO security_snapshots_old SELECT ${KEPT} FROM security_snapshots`).execute(db);
  await sql.raw('DROP TABLE security_snapshots').execute(db);
  await sql.raw('ALTER TABLE security_snapshots_old RENAME TO security_snapshots').execute(db);
}
