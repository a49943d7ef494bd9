import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Store } from '../db/database.js';
import { isBusy } from '../db/retry.js';
import { EnvironmentError } from '../errors.js';

/** The key of the PostgreSQL advisory lock: any fixed 64-bit number, the same in every process. */
export const ADVISORY_KEY = '7338240117002025';

type LockStore = Pick<Store, 'sqlite' | 'pgPool'>;

/** What only the operating system or the database server can hold, and drops when its holder dies. */
export interface HeldByProcess {
  readonly lost: AbortSignal;
  take(): Promise<boolean>;
  free(): Promise<void>;
}

/**
 * The run lock as its process holds it: on SQLite an exclusive lock on a file beside the database,
 * taken through SQLite's own (fcntl) locking, which the kernel drops when the process ends; on
 * PostgreSQL a session advisory lock, which the server drops when the holder's connection ends.
 */
export async function processLock(store: LockStore): Promise<HeldByProcess> {
  return store.pgPool ? advisoryLock(store.pgPool) : fileLock(store.sqlite!.name);
}

/** True when no process holds the lock, asked without taking it; for showing runs whose process died. */
export async function isLockFree(store: LockStore): Promise<boolean> {
  if (store.pgPool) {
    const key = BigInt(ADVISORY_KEY);
    const { rows } = await store.pgPool.query(
      "select 1 from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database()) and classid::bigint = $1 and objid::bigint = $2",
      [String(key >> 32n), String(key & 0xffff_ffffn)],
    );
    return rows.length === 0;
  }
  const file = lockFileOf(store.sqlite!.name);
  if (!existsSync(file)) return true;
  const probe = new BetterSqlite3(file, { readonly: true, timeout: 0 });
  try {
    probe.exec('BEGIN');
    probe.prepare('select count(*) from sqlite_master').get();
    return true;
  } catch (error) {
    if (isBusy(error)) return false;
    throw error;
  } finally {
    probe.close();
  }
}

function lockFileOf(databaseFile: string): string {
  return `${databaseFile}.lock`;
}

function fileLock(databaseFile: string): HeldByProcess {
  const file = lockFileOf(databaseFile);
  let handle: BetterSqlite3.Database | null = null;
  return {
    lost: new AbortController().signal,
    async take() {
      handle ??= openLockFile(file);
      try {
        handle.exec('BEGIN EXCLUSIVE');
        return true;
      } catch (error) {
        if (isBusy(error)) return false;
        throw error;
      }
    },
    async free() {
      if (handle?.inTransaction) handle.exec('ROLLBACK');
      handle?.close();
      handle = null;
    },
  };
}

function openLockFile(file: string): BetterSqlite3.Database {
  let handle: BetterSqlite3.Database;
  try {
    // A short wait rides over `runs` looking at the lock, which holds it for a moment.
    handle = new BetterSqlite3(file, { timeout: 100 });
  } catch (error) {
    throw new EnvironmentError(`cannot open the lock file ${file} (${(error as Error).message})`, 'nothing was changed', 'make its folder writable for the user the job runs as', { cause: error });
  }
  try {
    // Nothing is ever written to it: no journal file beside it.
    handle.pragma('journal_mode = MEMORY');
  } catch (error) {
    if (!isBusy(error)) throw error;
  }
  return handle;
}

async function advisoryLock(pool: pg.Pool): Promise<HeldByProcess> {
  const client = await pool.connect();
  const lost = new AbortController();
  let held = false;
  let freed = false;
  const lose = (error: unknown) => {
    if (!freed) lost.abort(error);
  };
  client.on('error', lose);
  client.on('end', () => lose(new Error('the connection holding the lock ended')));
  return {
    lost: lost.signal,
    async take() {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_KEY]);
      held = rows[0]?.locked === true;
      return held;
    },
    async free() {
      if (freed) return;
      freed = true;
      let unlocked = !held;
      try {
        if (held && !lost.signal.aborted) {
          await client.query('select pg_advisory_unlock($1::bigint)', [ADVISORY_KEY]);
          unlocked = true;
        }
      } catch {
        // Destroying the connection below frees the lock as surely.
      } finally {
        // A connection that may still hold the advisory lock must not go back to the pool.
        client.release(!unlocked || lost.signal.aborted);
      }
    },
  };
}
