import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { InterruptedError, LockHeldError } from '../errors.js';
import { ADVISORY_KEY, type HeldByProcess, processLock } from '../store/process-lock.js';
import { deleteLockHolder, readLockHolder, recordLockHolder } from '../store/run-lock.js';
import { interruptRunningRuns } from '../store/runs.js';
import { stopSignalOf } from './stop.js';

export { isLockFree } from '../store/process-lock.js';
/** How often a waiting import (or a run behind an import) asks again. */
const POLL_MS = 200;
/** Between taking the lock and naming itself in run_locks (or letting go of it after its row is gone). */
const UNNAMED_FOR_MS = 1_000;

/** A run gives way to another run at once; an import, or one notice sent at once, waits its turn. */
export type LockTask = { kind: 'run' } | { kind: 'import'; what: string } | { kind: 'send'; what: string };

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

/** What names this process as a lock's or a run's holder: its host and process id. */
export function currentHolder(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Takes the one lock that runs and imports share, so that they never interleave on a database.
 * It dies with its process on any host or container (see store/process-lock.ts); the `run_locks`
 * row only says who holds it. Whatever a dead holder left — the
 * row, runs still marked `running` — is cleared once the lock is ours.
 */
export async function acquireLock(store: LockStore, request: LockRequest): Promise<HeldLock> {
  const lock = await processLock(store);
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
      await recordLockHolder(store.db, row);
      recorded = true;
    },
    async release() {
      try {
        if (recorded) await deleteLockHolder(store.db, holder);
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
  /** Since when the holder has been seen without a name, in the current stretch of polls. */
  let unnamedSince: number | null = null;
  const nothing = request.task.kind === 'run' ? 'nothing was recorded' : request.task.kind === 'send' ? 'nothing was sent' : 'nothing was imported';
  for (;;) {
    if (await lock.take()) return;
    const row = await readLockHolder(store.db);
    const importing = (row?.task?.startsWith('import') || row?.task?.startsWith('send')) ?? false;
    const now = Date.now();
    const waited = now - started;
    unnamedSince = row ? null : (unnamedSince ?? now);
    // Two runs would do the same work, so the later one gives way at once (the scheduler tries
    // again); an import, or a run behind one, waits for it to finish. A holder is unnamed for a
    // moment as it starts and as it ends (an import leaves its row before it lets go of the lock),
    // which is worth a second's patience counted from when the name went, not from the first poll.
    const mayWait = request.task.kind !== 'run' || importing;
    const patience = mayWait ? request.waitMs : row ? 0 : unnamedSince! - started + UNNAMED_FOR_MS;
    if (waited >= patience) {
      const who = importing ? (row?.task?.startsWith('send') ? 'a notice being sent' : 'an import') : request.task.kind === 'run' ? 'another run' : 'a run';
      const where = [store.pgPool ? `PostgreSQL advisory lock ${ADVISORY_KEY}` : null, row ? `${row.task ?? `run ${row.run_id}`}, ${row.holder}, since ${row.acquired_at}` : null];
      const after = mayWait ? ` after waiting ${Math.round(waited / 1000)} s (DATABASE_LOCK_TIMEOUT_SECONDS)` : '';
      throw new LockHeldError(`${who} holds the lock (${where.filter(Boolean).join('; ')})${after}; ${nothing}`);
    }
    await sleep(Math.min(POLL_MS, patience - waited), undefined, { signal: request.signal }).catch(() => undefined);
    if (request.signal?.aborted) throw new InterruptedError(stopSignalOf(request.signal), `while waiting for the lock; ${nothing}`);
  }
}

/** What a run whose process died is marked with: the next run or import finds it so. */
export const DIED = 'the process ended before the run finished (killed, out of memory, or its host went away)';

/** With the lock ours, a row and any run still `running` belong to a process that died. */
async function clearDeadHolder(db: Kysely<Database>, request: LockRequest): Promise<void> {
  const row = await readLockHolder(db);
  const interruptedRuns = await interruptRunningRuns(db, DIED);
  if (row) await deleteLockHolder(db);
  if (row || interruptedRuns.length > 0) request.onRecovered?.({ holder: row?.holder ?? null, task: row?.task ?? null, interruptedRuns });
}

