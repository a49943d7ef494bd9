import { insertSql } from './bulk-sql.js';
import { withPostgresImport } from './pg-bulk.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { Store } from './database.js';

/** Where bulk-loaded rows go, and how a row that repeats a key replaces the one before it. */
export interface TableSpec {
  table: string;
  /** Insert columns in order. */
  columns: readonly string[];
  /** The unique key a replaced row is found by; null when rows only add. */
  conflict: readonly string[] | null;
  /** The predicate of a partial unique index the conflict target names. */
  conflictWhere?: string;
  /** Per column, what a conflicting row sets it to (default: the new value). */
  onConflict?: Readonly<Record<string, string>>;
}

/**
 * The import's view of one database transaction. SQL is written once with `?` placeholders; the
 * PostgreSQL side numbers them. Bulk rows go on SQLite through a cached multi-row INSERT … ON
 * CONFLICT prepared on the raw handle (the builder would cost more than the insert itself on
 * multi-million-line files), on PostgreSQL through COPY into a staging table (pg-bulk.ts).
 */
export interface ImportTx {
  readonly engine: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Inserts (or upserts) `values`: rows one after another, `spec.columns.length` values each; `lines`,
   * the file line of each, lets a row the database refuses be named.
   */
  insertRows(spec: TableSpec, values: readonly unknown[], lines?: readonly number[]): Promise<void>;
  /** Runs `action` so that a throw undoes only what it wrote; the outer transaction goes on. */
  savepoint<T>(action: () => Promise<T>): Promise<T>;
}

/**
 * Runs `action` in one transaction: committed when it resolves, rolled back when it throws. On
 * PostgreSQL, `signal` cancels the statement under way; SQLite's statements are short.
 */
export async function withImportTransaction<T>(store: Store, action: (tx: ImportTx) => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (store.sqlite) return withSqliteTransaction(store.sqlite, action);
  return withPostgresImport(store.pgPool!, action, signal);
}

async function withSqliteTransaction<T>(sqlite: BetterSqlite3.Database, action: (tx: ImportTx) => Promise<T>): Promise<T> {
  // IMMEDIATE: take the write lock now, so a concurrent writer fails before any work is done.
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const result = await action(new SqliteTx(sqlite));
    sqlite.exec('COMMIT');
    return result;
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
}

/** Rows per INSERT statement: enough to amortise each call, few enough to stay under parameter limits. */
const ROWS_PER_STATEMENT = 64;

/** `VALUES` with placeholders for `rows` rows. */
function placeholders(spec: TableSpec, rows: number): string {
  const tuple = `(${spec.columns.map(() => '?').join(',')})`;
  return `VALUES ${Array.from({ length: rows }, () => tuple).join(',')}`;
}

let savepoints = 0;

class SqliteTx implements ImportTx {
  readonly engine = 'sqlite';
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.prepare(sql).all(...params) as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.prepare(sql).run(...params).changes;
  }

  async insertRows(spec: TableSpec, values: readonly unknown[]): Promise<void> {
    const width = spec.columns.length;
    const rows = values.length / width;
    const full = this.prepare(insertSql(spec, placeholders(spec, ROWS_PER_STATEMENT)), `${spec.table}:${ROWS_PER_STATEMENT}`);
    let row = 0;
    for (; row + ROWS_PER_STATEMENT <= rows; row += ROWS_PER_STATEMENT) {
      full.run(values.slice(row * width, (row + ROWS_PER_STATEMENT) * width));
    }
    if (row < rows) {
      const rest = rows - row;
      this.prepare(insertSql(spec, placeholders(spec, rest)), `${spec.table}:${rest}`).run(values.slice(row * width));
    }
  }

  async savepoint<T>(action: () => Promise<T>): Promise<T> {
    const name = `import_${++savepoints}`;
    this.sqlite.exec(`SAVEPOINT ${name}`);
    try {
      const result = await action();
      this.sqlite.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      this.sqlite.exec(`ROLLBACK TO ${name}`);
      this.sqlite.exec(`RELEASE ${name}`);
      throw error;
    }
  }

  private prepare(sql: string, key = sql): BetterSqlite3.Statement {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      this.statements.set(key, statement);
    }
    return statement;
  }
}
