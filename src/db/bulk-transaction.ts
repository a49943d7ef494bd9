import type { Kysely, Transaction } from 'kysely';
import { rawQuery } from './raw-sql.js';
import type BetterSqlite3 from 'better-sqlite3';
import type { Store } from './database.js';
import type { Database } from './schema.js';

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
 * PostgreSQL side numbers them. Bulk rows go through INSERT … ON CONFLICT statements: on SQLite
 * a cached multi-row prepared statement on the raw handle (the builder would cost more than the
 * insert itself on multi-million-line files), on PostgreSQL thousands of rows at a time as one
 * array per column, unnested by the server.
 */
export interface ImportTx {
  readonly engine: 'sqlite' | 'postgres';
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Inserts (or upserts) `values`: rows one after another, `spec.columns.length` values each. */
  insertRows(spec: TableSpec, values: readonly unknown[]): Promise<void>;
  /** Runs `action` so that a throw undoes only what it wrote; the outer transaction goes on. */
  savepoint<T>(action: () => Promise<T>): Promise<T>;
}

/** Runs `action` in one transaction: committed when it resolves, rolled back when it throws. */
export async function withImportTransaction<T>(store: Store, action: (tx: ImportTx) => Promise<T>): Promise<T> {
  if (store.sqlite) return withSqliteTransaction(store.sqlite, action);
  return store.db.transaction().execute(async (trx) => {
    const tx = new PostgresTx(trx);
    // Imports take turns, as SQLite's write lock makes them: the second sees what the first committed
    // (the same file is then "already imported") instead of colliding with it.
    await tx.run('SELECT pg_advisory_xact_lock(?::bigint)', [IMPORT_LOCK_KEY]);
    return action(tx);
  });
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

const IMPORT_LOCK_KEY = '7338240117002026';

/** Rows per INSERT statement: enough to amortise each call, few enough to stay under parameter limits. */
const ROWS_PER_STATEMENT = 64;

/** `INSERT … ON CONFLICT …` of the rows `source` gives (VALUES, or a SELECT). */
function insertSql(spec: TableSpec, source: string): string {
  const conflict = spec.conflict
    ? ` ON CONFLICT (${spec.conflict.join(', ')})${spec.conflictWhere ? ` WHERE ${spec.conflictWhere}` : ''} DO UPDATE SET ${spec.columns
        .filter((column) => !spec.conflict!.includes(column))
        .map((column) => `${column} = ${spec.onConflict?.[column] ?? `excluded.${column}`}`)
        .join(', ')}`
    : '';
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) ${source}${conflict}`;
}

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

/** Rows per PostgreSQL statement: each column goes as one array parameter, whatever the count. */
const PG_ROWS_PER_STATEMENT = 5000;

class PostgresTx implements ImportTx {
  readonly engine = 'postgres';
  /** Per table, its columns' types, for the casts of the arrays. */
  private readonly types = new Map<string, Map<string, string>>();
  constructor(private readonly trx: Transaction<Database> | Kysely<Database>) {}

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.trx.executeQuery<T>(rawQuery('postgres', sql, params));
    return result.rows;
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const result = await this.trx.executeQuery(rawQuery('postgres', sql, params));
    return Number(result.numAffectedRows ?? 0n);
  }

  /**
   * Sends each column of a slice of rows as one typed array, unnested back into rows by the server:
   * one short statement with as many parameters as the table has columns, instead of a statement
   * with a placeholder for every value that the server must parse and plan anew for each slice.
   */
  async insertRows(spec: TableSpec, values: readonly unknown[]): Promise<void> {
    const width = spec.columns.length;
    const rows: unknown[][] = [];
    for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
    // One statement must not touch the same key twice: the last row of a key wins, as it would in order.
    const unique = spec.conflict ? lastOfEachKey(spec, rows) : rows;
    const types = await this.columnTypes(spec.table);
    const sql = insertSql(spec, `SELECT * FROM unnest(${spec.columns.map((column) => `?::${types.get(column)}[]`).join(', ')})`);
    for (let i = 0; i < unique.length; i += PG_ROWS_PER_STATEMENT) {
      const slice = unique.slice(i, i + PG_ROWS_PER_STATEMENT);
      const columns = spec.columns.map((_, c) => slice.map((row) => row[c]));
      await this.trx.executeQuery(rawQuery('postgres', sql, columns));
    }
  }

  private async columnTypes(table: string): Promise<Map<string, string>> {
    let types = this.types.get(table);
    if (!types) {
      const rows = await this.all<{ name: string; type: string }>(
        'SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped',
        [table],
      );
      types = new Map(rows.map((row) => [row.name, row.type]));
      this.types.set(table, types);
    }
    return types;
  }

  async savepoint<T>(action: () => Promise<T>): Promise<T> {
    const name = `import_${++savepoints}`;
    await this.run(`SAVEPOINT ${name}`);
    try {
      const result = await action();
      await this.run(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.run(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }
}

function lastOfEachKey(spec: TableSpec, rows: unknown[][]): unknown[][] {
  const keyIndexes = spec.conflict!.map((column) => spec.columns.indexOf(column));
  const byKey = new Map<string, unknown[]>();
  const keyless: unknown[][] = [];
  for (const row of rows) {
    const key = keyIndexes.map((i) => row[i]);
    if (key.some((part) => part === null || part === undefined)) keyless.push(row);
    else {
      const text = JSON.stringify(key);
      byKey.delete(text);
      byKey.set(text, row);
    }
  }
  return keyless.length === 0 ? [...byKey.values()] : [...keyless, ...byKey.values()];
}

