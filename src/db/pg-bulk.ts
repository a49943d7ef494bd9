import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { RowRefused } from '../errors.js';
import type { ImportTx, TableSpec } from './bulk-transaction.js';
import { insertSql } from './bulk-sql.js';
import { CopyText } from './copy-text.js';
import { rawQuery } from './raw-sql.js';

const IMPORT_LOCK_KEY = '7338240117002026';

/**
 * Runs `action` in one transaction on a connection of its own: committed when it resolves, rolled
 * back when it throws, with the import lock held throughout (imports take turns, as SQLite's write
 * lock makes them: the second sees what the first committed instead of colliding with it).
 */
export async function withPostgresImport<T>(pool: pg.Pool, action: (tx: ImportTx) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const client = await pool.connect();
  const tx = new PostgresTx(client);
  let broken = false;
  // A stop asked for cancels the statement under way, which may be the upsert of thousands of
  // replaced rows, seconds long: the import then fails at once and rolls back.
  const { processID } = client as unknown as { processID: number };
  let cancelling: Promise<unknown> | null = null;
  const cancel = () => {
    cancelling = pool.query('SELECT pg_cancel_backend($1)', [processID]).catch(() => undefined);
  };
  signal?.addEventListener('abort', cancel, { once: true });
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
    signal?.removeEventListener('abort', cancel);
    // A cancel under way lands before the connection goes back to the pool to serve anything else.
    await cancelling;
    client.release(broken);
  }
}

/**
 * Rows per COPY: what a COPY that meets a key already stored sends again, into the staging table, is
 * at most this many rows, and a refused row's line is looked up among this many.
 */
const ROWS_PER_COPY = 131_072;
/** Bytes gathered before they are written to the COPY stream. */
const WRITE_BYTES = 1 << 18;
/** unique_violation: a row repeats the key of a stored one. */
const KEY_EXISTS = '23505';

interface OpenCopy {
  spec: TableSpec;
  stream: ReturnType<typeof copyFrom>;
  /** The first error the stream reported, thrown at the next write or at the end. */
  failure: Error | null;
  /** The file line of each row sent in this COPY, when the caller told them. */
  lines: number[];
  rows: number;
  /** Rows not yet sent. */
  text: CopyText;
  /** What a direct COPY of a keyed table sent, to send again to the staging table if a key exists. */
  sent: Uint8Array[] | null;
}

/**
 * Bulk rows are streamed with COPY straight into their table, in a savepoint when the table has a
 * key: the common load, of rows never seen, costs the server one pass. When a row repeats a key
 * already stored, the savepoint takes that COPY back and its rows, and every later row of that
 * table, go by COPY into a temporary staging table instead, moved into the real table by one
 * set-based upsert, the keyed replace. Either way the rows are in place before any other
 * statement of the transaction runs, so that everything it runs sees them, as it would have seen
 * rows inserted one statement at a time.
 */
class PostgresTx implements ImportTx {
  readonly engine = 'postgres';
  private copy: OpenCopy | null = null;
  /** Staging tables holding rows not yet moved into their real table. */
  private readonly staged = new Set<TableSpec>();
  /** Tables where a key was met again: their rows go through the staging table from then on. */
  private readonly replacing = new Set<TableSpec>();
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
      copy.text.add(values, offset, width);
      copy.lines.push(lines?.[row] ?? 0);
      copy.rows++;
      if (copy.text.bytes >= WRITE_BYTES) await this.write(copy);
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

  private async startCopy(spec: TableSpec, lines: number[] = []): Promise<OpenCopy> {
    const direct = !this.replacing.has(spec);
    let target = spec.table;
    if (!direct) {
      target = stageName(spec);
      if (!this.staged.has(spec)) {
        // Created once per transaction (and again after a rolled-back savepoint took it away). The row
        // number keeps the file's order for the rounds of a key repeated within the staged rows.
        await this.query(`CREATE TEMP TABLE IF NOT EXISTS ${target} ON COMMIT DROP AS SELECT ${spec.columns.join(', ')} FROM ${spec.table} WITH NO DATA`);
        await this.query(`ALTER TABLE ${target} ADD COLUMN IF NOT EXISTS import_row bigint GENERATED ALWAYS AS IDENTITY`);
        await this.query(`TRUNCATE ${target}`);
        this.staged.add(spec);
      }
    } else if (spec.conflict) {
      await this.query('SAVEPOINT import_copy');
    }
    const stream = this.client.query(copyFrom(`COPY ${target} (${spec.columns.join(', ')}) FROM STDIN`));
    const copy: OpenCopy = { spec, stream, failure: null, lines, rows: lines.length, text: new CopyText(2 * WRITE_BYTES), sent: direct && spec.conflict ? [] : null };
    stream.on('error', (error: Error) => (copy.failure ??= error));
    this.copy = copy;
    return copy;
  }

  /**
   * Sends what is pending. Once a direct COPY has met a stored key, the rest of its rows are only
   * kept, for the staging table; any other failure is thrown at once.
   */
  private async write(copy: OpenCopy, bytes?: Uint8Array): Promise<void> {
    const text = bytes ?? copy.text.take();
    copy.sent?.push(text);
    if (!copy.failure && !copy.stream.write(text)) {
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
    if (copy.failure && !metStoredKey(copy)) throw this.refusal(copy);
  }

  /**
   * Ends the COPY under way. A direct COPY that met a stored key is taken back to its savepoint,
   * and what it sent goes again, to the staging table, as every later row of that table will.
   */
  private async endCopy(): Promise<void> {
    const copy = this.copy!;
    if (copy.text.bytes > 0) await this.write(copy);
    // A COPY the server has already ended with an error is over; ending it again would wait forever.
    if (!copy.failure) {
      copy.stream.end();
      await finished(copy.stream).catch(() => undefined);
    }
    this.copy = null;
    if (!copy.failure) {
      if (copy.sent) await this.query('RELEASE SAVEPOINT import_copy');
      return;
    }
    if (!metStoredKey(copy)) throw this.refusal(copy);
    await this.query('ROLLBACK TO SAVEPOINT import_copy');
    await this.query('RELEASE SAVEPOINT import_copy');
    this.replacing.add(copy.spec);
    const staged = await this.startCopy(copy.spec, copy.lines);
    for (const bytes of copy.sent!) await this.write(staged, bytes);
    await this.endCopy();
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

/** Whether a direct COPY of a keyed table failed only because a row repeats a stored key. */
function metStoredKey(copy: OpenCopy): boolean {
  return copy.sent !== null && (copy.failure as { code?: string } | null)?.code === KEY_EXISTS;
}

function stageName(spec: TableSpec): string {
  return `import_stage_${spec.table}`;
}
