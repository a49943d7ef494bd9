import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { LockHeldError } from '../errors.js';

export const RUN_LOCK = 'run';
/** A lock whose holder has not proved it is alive for this long is stale and may be taken over. */
export const STALE_AFTER_MS = 120_000;
const HEARTBEAT_EVERY_MS = 15_000;

export interface HeldLock {
  runId: number;
  holder: string;
  /** Runs `beat` while the lock is held; resolves once released. */
  release(): Promise<void>;
}

export function currentHolder(): string {
  return `${hostname()}:${process.pid}`;
}

/** The key of the PostgreSQL advisory lock: any fixed 64-bit number, the same in every process. */
const ADVISORY_KEY = '7338240117002025';

/**
 * Takes the single-run lock, or throws LockHeldError. On PostgreSQL a session advisory lock is the
 * lock — held on a dedicated connection for the whole run, and freed by the server the moment the
 * holder's connection dies — and the `run_locks` row only says who holds it. On SQLite the row is
 * the lock.
 */
export async function acquireRunLock(
  store: Pick<Store, 'db' | 'pgPool'>,
  runId: number,
  now: () => Date,
  onRecovered?: (staleRunId: number, holder: string) => Promise<void>,
): Promise<HeldLock> {
  if (!store.pgPool) return acquireRowLock(store.db, runId, now, onRecovered);
  const client = await store.pgPool.connect();
  let lock: HeldLock | null = null;
  try {
    const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_KEY]);
    if (!rows[0]?.locked) {
      const existing = await store.db.selectFrom('run_locks').selectAll().where('name', '=', RUN_LOCK).executeTakeFirst();
      const who = existing ? `; run ${existing.run_id}, ${existing.holder}, since ${existing.acquired_at}` : '';
      throw new LockHeldError(`another run holds the lock (PostgreSQL advisory lock ${ADVISORY_KEY}${who})`);
    }
    // We hold the advisory lock, so any row left behind belongs to a holder whose session is gone.
    const leftover = await store.db.selectFrom('run_locks').selectAll().where('name', '=', RUN_LOCK).executeTakeFirst();
    if (leftover) {
      await store.db.deleteFrom('run_locks').where('name', '=', RUN_LOCK).execute();
      await onRecovered?.(Number(leftover.run_id), leftover.holder);
    }
    lock = await acquireRowLock(store.db, runId, now, onRecovered);
    const rowLock = lock;
    return {
      ...rowLock,
      release: async () => {
        let unlocked = false;
        try {
          await rowLock.release();
          await client.query('select pg_advisory_unlock($1::bigint)', [ADVISORY_KEY]);
          unlocked = true;
        } finally {
          // A connection that may still hold the advisory lock must not go back to the pool.
          client.release(!unlocked);
        }
      },
    };
  } catch (error) {
    if (!lock) releaseQuietly(client);
    throw error;
  }
}

function releaseQuietly(client: pg.PoolClient): void {
  // Destroying the connection frees a session advisory lock it may hold.
  client.release(true);
}

/**
 * The lock as a row: an atomic insert takes
 * it; a row left by a dead process (same host, no such pid) or with a stale heartbeat is taken
 * over by a compare-and-set on the dead holder's run id, so two recoverers cannot both win.
 */
async function acquireRowLock(
  db: Kysely<Database>,
  runId: number,
  now: () => Date,
  onRecovered?: (staleRunId: number, holder: string) => Promise<void>,
): Promise<HeldLock> {
  const holder = currentHolder();
  const stamp = now().toISOString();
  const inserted = await db
    .insertInto('run_locks')
    .values({ name: RUN_LOCK, run_id: runId, holder, acquired_at: stamp, heartbeat_at: stamp })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const existing = await db.selectFrom('run_locks').selectAll().where('name', '=', RUN_LOCK).executeTakeFirst();
    if (existing) {
      if (!isStale(existing, now())) {
        throw new LockHeldError(
          `another run holds the lock (run ${existing.run_id}, ${existing.holder}, since ${existing.acquired_at})`,
        );
      }
      const taken = await db
        .updateTable('run_locks')
        .set({ run_id: runId, holder, acquired_at: stamp, heartbeat_at: stamp })
        .where('name', '=', RUN_LOCK)
        .where('run_id', '=', existing.run_id)
        .where('holder', '=', existing.holder)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) throw new LockHeldError('another run took the lock at the same moment');
      await onRecovered?.(Number(existing.run_id), existing.holder);
    } else {
      // Released between our insert and our read: try once more.
      return acquireRowLock(db, runId, now, onRecovered);
    }
  }

  const timer = setInterval(() => {
    const beat = now().toISOString();
    void db
      .updateTable('run_locks')
      .set({ heartbeat_at: beat })
      .where('name', '=', RUN_LOCK)
      .where('run_id', '=', runId)
      .execute()
      .catch(() => undefined);
    void db.updateTable('runs').set({ heartbeat_at: beat }).where('id', '=', runId).execute().catch(() => undefined);
  }, HEARTBEAT_EVERY_MS);
  timer.unref();

  return {
    runId,
    holder,
    release: async () => {
      clearInterval(timer);
      await db.deleteFrom('run_locks').where('name', '=', RUN_LOCK).where('run_id', '=', runId).execute();
    },
  };
}

function isStale(lock: { holder: string; heartbeat_at: string }, now: Date): boolean {
  const [host, pidText] = lock.holder.split(':');
  if (host === hostname() && pidText && !isAlive(Number(pidText))) return true;
  return now.getTime() - Date.parse(lock.heartbeat_at) > STALE_AFTER_MS;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
