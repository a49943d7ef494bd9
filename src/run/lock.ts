import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import { isBusy } from '../db/retry.js';
import type { Database } from '../db/schema.js';
import { EnvironmentError, InterruptedError, LockHeldError } from '../errors.js';
import { stopSignalOf } from './stop.js';

export const RUN_LOCK = 'run';
/** The key of the PostgreSQL advisory lock: any fixed 64-bit number, the same in every process. */
const ADVISORY_KEY = '7338240117002025';
/** How often a waiting import (or a run behind an import) asks again. */
const POLL_MS = 200;
/** Between taking the lock and naming itself in run_locks (or letting go of it after its row is gone). */
const UNNAMED_FOR_MS = 1_000;

export type LockTask = { kind: 'run' } | { kind: 'import'; what: string };

export interface LockRequest {
  task: LockTask;
  /** How long to wait for the holder to finish; a run that meets another run is refused at once. */
  waitMs: number;
  now: () => Date;
  signal?: AbortSignal;
  /** Told of what a dead holder left behind, once it has been cleared. */
  onRecovered?: (dead: { holder: string | null; task: string | null; interruptedRuns: number[] }) => void;
}

export interface HeldLock {
  /** Aborted when the lock is lost (its PostgreSQL connection ended); never on SQLite. */
  readonly lost: AbortSignal;
  /** Writes the row that tells others what holds the lock. */
  record(task: string, runId?: number): Promise<void>;
  release(): Promise<void>;
}

type LockStore = Pick<Store, 'db' | 'sqlite' | 'pgPool'>;

/** What only the operating system or the database server can hold, and drops when its holder dies. */
interface HeldByProcess {
  readonly lost: AbortSignal;
  take(): Promise<boolean>;
  free(): Promise<void>;
}

export function currentHolder(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Takes the one lock that runs and imports share, so that they never interleave on a database.
 * It dies with its process on any host or container: on SQLite an exclusive lock on a file beside
 * the database, taken through SQLite's own (fcntl) locking, which the kernel drops when the
 * process ends; on PostgreSQL a session advisory lock, which the server drops when the holder's
 * connection ends. The `run_locks` row only says who holds it. Whatever a dead holder left — the
 * row, runs still marked `running` — is cleared once the lock is ours.
 */
export async function acquireLock(store: LockStore, request: LockRequest): Promise<HeldLock> {
  const lock = store.pgPool ? await advisoryLock(store.pgPool) : fileLock(store.sqlite!.name);
  try {
    await waitForTurn(store, lock, request);
    await clearDeadHolder(store.db, request);
  } catch (error) {
    await lock.free();
    throw error;
  }
  const holder = currentHolder();
  let recorded = false;
  return {
    lost: lock.lost,
    async record(task, runId = 0) {
      const stamp = request.now().toISOString();
      const row = { run_id: runId, holder, acquired_at: stamp, heartbeat_at: stamp, task };
      await store.db
        .insertInto('run_locks')
        .values({ name: RUN_LOCK, ...row })
        .onConflict((oc) => oc.column('name').doUpdateSet(row))
        .execute();
      recorded = true;
    },
    async release() {
      try {
        if (recorded) await store.db.deleteFrom('run_locks').where('name', '=', RUN_LOCK).where('holder', '=', holder).execute();
      } catch {
        // A row left behind names a holder that is gone: the next one clears it.
      } finally {
        await lock.free();
      }
    },
  };
}

async function waitForTurn(store: LockStore, lock: HeldByProcess, request: LockRequest): Promise<void> {
  const started = Date.now();
  const nothing = request.task.kind === 'run' ? 'nothing was recorded' : 'nothing was imported';
  for (;;) {
    if (await lock.take()) return;
    const row = await readHolder(store.db);
    const importing = row?.task?.startsWith('import') ?? false;
    const waited = Date.now() - started;
    // Two runs would do the same work, so the later one gives way at once (the scheduler tries
    // again); an import, or a run behind one, waits for it to finish. A holder is unnamed for a
    // moment as it starts and as it ends, which is worth a second's patience.
    const mayWait = request.task.kind === 'import' || importing;
    const patience = mayWait ? request.waitMs : row ? 0 : UNNAMED_FOR_MS;
    if (waited >= patience) {
      const who = importing ? 'an import' : request.task.kind === 'run' ? 'another run' : 'a run';
      const where = [store.pgPool ? `PostgreSQL advisory lock ${ADVISORY_KEY}` : null, row ? `${row.task ?? `run ${row.run_id}`}, ${row.holder}, since ${row.acquired_at}` : null];
      const after = mayWait ? ` after waiting ${Math.round(waited / 1000)} s (DATABASE_LOCK_TIMEOUT_SECONDS)` : '';
      throw new LockHeldError(`${who} holds the lock (${where.filter(Boolean).join('; ')})${after}; ${nothing}`);
    }
    await sleep(Math.min(POLL_MS, patience - waited), undefined, { signal: request.signal }).catch(() => undefined);
    if (request.signal?.aborted) throw new InterruptedError(stopSignalOf(request.signal), `while waiting for the lock; ${nothing}`);
  }
}

function readHolder(db: Kysely<Database>) {
  return db.selectFrom('run_locks').selectAll().where('name', '=', RUN_LOCK).executeTakeFirst();
}

/** What a run whose process died is marked with: the next run or import finds it so. */
export const DIED = 'the process ended before the run finished (killed, out of memory, or its host went away)';

/** With the lock ours, a row and any run still `running` belong to a process that died. */
async function clearDeadHolder(db: Kysely<Database>, request: LockRequest): Promise<void> {
  const row = await readHolder(db);
  const running = await db.selectFrom('runs').select('id').where('status', '=', 'running').execute();
  const interruptedRuns = running.map((run) => Number(run.id));
  if (running.length > 0) await db.updateTable('runs').set({ status: 'interrupted', error: DIED }).where('status', '=', 'running').execute();
  if (row) await db.deleteFrom('run_locks').where('name', '=', RUN_LOCK).execute();
  if (row || interruptedRuns.length > 0) request.onRecovered?.({ holder: row?.holder ?? null, task: row?.task ?? null, interruptedRuns });
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
