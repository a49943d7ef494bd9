import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RowRefused } from '../errors.js';
import type { ImportTx, TableSpec } from './bulk-transaction.js';
import { insertSql } from './bulk-sql.js';
import { rawQuery } from './raw-sql.js';

const IMPORT_LOCK_KEY = '7338240117002026';

/**
 * Runs `action` in one transaction on a connection of its own: committed when it resolves, rolled
 * back when it throws, with the import lock held throughout (imports take turns, as SQLite's write
 * lock makes them: the second sees what the first committed instead of colliding with it).
 */
export async function withPostgresImport<T>(pool: pg.Pool, action: (tx: ImportTx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const tx = new PostgresTx(client);
  let broken = false;
  try {
    await client.query('BEGIN');
    await tx.run('SELECT pg_advisory_xact_lock(?::bigint)', [IMPORT_LOCK_KEY]);
    const result = await action(tx);
    await tx.flush();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await tx.abandonCopy();
    // A connection that cannot even roll back is dropped from the pool: the server rolls back what it held.
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Rows per COPY, each moved into its table before the next: a stop asked for (SIGTERM) waits at most
 * for one such move, and a refused row's line is looked up among this many.
 */
const ROWS_PER_COPY = 131_072;
/** Bytes gathered before they are written to the COPY stream. */
const WRITE_BYTES = 1 << 18;

interface OpenCopy {
  spec: TableSpec;
  stream: ReturnType<typeof copyFrom>;
  /** The first error the stream reported, thrown at the next write or at the end. */
  failure: Error | null;
  /** The file line of each row sent in this COPY, when the caller told them. */
  lines: number[];
  rows: number;
  pending: string;
}

/**
 * Bulk rows are streamed with COPY into a temporary staging table, then moved into the real table by
 * one set-based upsert: before any other statement on the transaction, so that everything it runs
 * sees them, as it would have seen rows inserted one statement at a time.
 */
class PostgresTx implements ImportTx {
  readonly engine = 'postgres';
  private copy: OpenCopy | null = null;
  /** Staging tables holding rows not yet moved into their real table. */
  private readonly staged = new Set<TableSpec>();
  private savepoints = 0;

  constructor(private readonly client: pg.PoolClient) {}

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    await this.flush();
    return (await this.query(sql, params)).rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    await this.flush();
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  async insertRows(spec: TableSpec, values: readonly unknown[], lines?: readonly number[]): Promise<void> {
    if (this.copy && (this.copy.spec !== spec || this.copy.rows >= ROWS_PER_COPY)) await this.flush();
    const copy = this.copy ?? (await this.startCopy(spec));
    const width = spec.columns.length;
    for (let row = 0, offset = 0; offset < values.length; row++, offset += width) {
      let text = String(copy.rows + 1);
      for (let c = 0; c < width; c++) text += `\t${copyText(values[offset + c])}`;
      copy.pending += `${text}\n`;
      copy.lines.push(lines?.[row] ?? 0);
      copy.rows++;
      if (copy.pending.length >= WRITE_BYTES) await this.write(copy);
    }
  }

  async savepoint<T>(action: () => Promise<T>): Promise<T> {
    await this.flush();
    const name = `import_${++this.savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const result = await action();
      await this.flush();
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.abandonCopy();
      this.staged.clear();
      // On a lost connection the rollback fails too: what is thrown is what went wrong first.
      await this.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => {
        throw error;
      });
      throw error;
    }
  }

  /** Ends the COPY under way and moves every staged row into its real table. */
  async flush(): Promise<void> {
    if (this.copy) await this.endCopy();
    for (const spec of this.staged) await this.merge(spec);
    this.staged.clear();
  }

  /** Stops a COPY cut short by an error; the rollback that follows takes back what it sent. */
  async abandonCopy(): Promise<void> {
    const copy = this.copy;
    this.copy = null;
    if (!copy || copy.stream.destroyed) return;
    copy.stream.destroy(new Error('the import stopped'));
    await finished(copy.stream).catch(() => undefined);
  }

  private query(sql: string, params: readonly unknown[] = []): Promise<pg.QueryResult> {
    const compiled = rawQuery('postgres', sql, params);
    return this.client.query(compiled.sql, compiled.parameters as unknown[]);
  }

  private async startCopy(spec: TableSpec): Promise<OpenCopy> {
    const stage = stageName(spec);
    if (!this.staged.has(spec)) {
      // Created once per transaction (and again after a rolled-back savepoint took it away).
      await this.query(
        `CREATE TEMP TABLE IF NOT EXISTS ${stage} ON COMMIT DROP AS SELECT 0::bigint AS import_row, ${spec.columns.join(', ')} FROM ${spec.table} WITH NO DATA`,
      );
      await this.query(`TRUNCATE ${stage}`);
      this.staged.add(spec);
    }
    const stream = this.client.query(copyFrom(`COPY ${stage} (import_row, ${spec.columns.join(', ')}) FROM STDIN`));
    const copy: OpenCopy = { spec, stream, failure: null, lines: [], rows: 0, pending: '' };
    stream.on('error', (error: Error) => (copy.failure ??= error));
    this.copy = copy;
    return copy;
  }

  private async write(copy: OpenCopy): Promise<void> {
    if (copy.failure) throw this.refusal(copy);
    const text = copy.pending;
    copy.pending = '';
    if (!copy.stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          copy.stream.off('drain', done);
          copy.stream.off('error', done);
          copy.stream.off('close', done);
          resolve();
        };
        copy.stream.on('drain', done).on('error', done).on('close', done);
      });
    }
    if (copy.failure) throw this.refusal(copy);
  }

  private async endCopy(): Promise<void> {
    const copy = this.copy!;
    if (copy.pending) await this.write(copy);
    copy.stream.end();
    await finished(copy.stream).catch(() => undefined);
    this.copy = null;
    if (copy.failure) throw this.refusal(copy);
  }

  /** A row the server refused names its file line and column; anything else is thrown as it is. */
  private refusal(copy: OpenCopy): Error {
    this.copy = null;
    const error = copy.failure as Error & { code?: string; where?: string };
    const at = /line (\d+)(?:, column (\w+))?/.exec(error.where ?? '');
    const line = at ? copy.lines[Number(at[1]) - 1] : undefined;
    if (!error.code?.startsWith('22') || !line) return error;
    return new RowRefused(line, at![2] ?? '', error.message);
  }

  /**
   * One upsert of the staged rows. Rows that repeat a key within the staging table cannot go in one
   * statement (PostgreSQL refuses to update a row twice), so then they go in rounds: each key's
   * first row, then its second, and so on, as inserting them one after another would.
   */
  private async merge(spec: TableSpec): Promise<void> {
    const stage = stageName(spec);
    const columns = spec.columns.join(', ');
    if (!spec.conflict) {
      await this.query(`INSERT INTO ${spec.table} (${columns}) SELECT ${columns} FROM ${stage} ORDER BY import_row`);
    } else {
      await this.query('SAVEPOINT import_merge');
      try {
        // In the staging table's own order, which is the file's: sorting a million rows cost a sixth of the move.
        await this.query(insertSql(spec, `SELECT ${columns} FROM ${stage}`));
        await this.query('RELEASE SAVEPOINT import_merge');
      } catch (error) {
        // cardinality_violation: a key met twice in one statement.
        if ((error as { code?: string }).code !== '21000') throw error;
        await this.query('ROLLBACK TO SAVEPOINT import_merge');
        await this.mergeInRounds(spec, stage);
      }
    }
    await this.query(`TRUNCATE ${stage}`);
  }

  private async mergeInRounds(spec: TableSpec, stage: string): Promise<void> {
    const columns = spec.columns.join(', ');
    const key = spec.conflict!.join(', ');
    const keyless = spec.conflict!.map((column) => `${column} IS NULL`).join(' OR ');
    await this.query(
      `CREATE TEMP TABLE import_rounds ON COMMIT DROP AS SELECT *, CASE WHEN ${keyless} THEN 1 ELSE row_number() OVER (PARTITION BY ${key} ORDER BY import_row) END AS import_round FROM ${stage}`,
    );
    const [{ rounds }] = (await this.query('SELECT coalesce(max(import_round), 0) AS rounds FROM import_rounds')).rows as [{ rounds: string }];
    for (let round = 1; round <= Number(rounds); round++) {
      await this.query(insertSql(spec, `SELECT ${columns} FROM import_rounds WHERE import_round = ? ORDER BY import_row`), [round]);
    }
    await this.query('DROP TABLE import_rounds');
  }
}

function stageName(spec: TableSpec): string {
  return `import_stage_${spec.table}`;
}

/** One value in COPY's text format: \N is NULL, and backslash, tab and line breaks are escaped. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, (c) => ESCAPES[c]!) : text;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
