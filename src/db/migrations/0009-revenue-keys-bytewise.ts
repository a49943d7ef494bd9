import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Frozen. On PostgreSQL, the revenue lines' transaction ids and invoice numbers are compared byte
 * by byte (collation "C"), as SQLite compares them. Under the database's own collation (C.UTF-8
 * or a language's) each comparison in their indexes went through the C library's collation, and
 * the transaction-id index is most of what a COPY of new lines costs the server. They are
 * identifiers, only ever matched for equality, which no deterministic collation changes. A
 * collation change does not rewrite the table; PostgreSQL rebuilds the two indexes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await setCollation(db, '"C"');
}

export async function down(db: Kysely<any>): Promise<void> {
  await setCollation(db, '"default"');
}

async function setCollation(db: Kysely<any>, collation: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql
    .raw(
      `ALTER TABLE revenue_lines
         ALTER COLUMN transaction_id TYPE text COLLATE ${collation},
         ALTER COLUMN invoice_number TYPE text COLLATE ${collation}`,
    )
    .execute(db);
}
