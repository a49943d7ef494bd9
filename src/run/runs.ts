import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Store } from '../db/database.js';
import type { Database, RunRow } from '../db/schema.js';
import type { IsoDate, Outcome } from '../domain/types.js';
import { DIED, isLockFree } from './lock.js';

export type RunStatus = 'running' | 'completed' | 'completed_with_failures' | 'stopped' | 'failed' | 'interrupted';

export async function startRun(
  db: Kysely<Database>,
  asOf: IsoDate,
  origin: 'manual' | 'scheduled',
  now: () => Date,
): Promise<number> {
  const stamp = now().toISOString();
  const row = await db
    .insertInto('runs')
    .values({
      as_of: asOf,
      origin,
      dry_run: 0,
      status: 'running',
      started_at: stamp,
      heartbeat_at: stamp,
      holder: `${hostname()}:${process.pid}`,
      counts: '{}',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  now: () => Date,
  status: RunStatus,
  counts: Record<Outcome, number>,
  error?: string,
): Promise<void> {
  const stamp = now().toISOString();
  await db
    .updateTable('runs')
    .set({ status, finished_at: stamp, heartbeat_at: stamp, counts: JSON.stringify(counts), error: error ?? null })
    .where('id', '=', runId)
    .execute();
}

/**
 * The latest runs. One still `running` while no process holds the lock died without a word
 * (killed, out of memory): it is shown as `interrupted`, as the next run or import records it.
 */
export async function listRuns(store: Pick<Store, 'db' | 'sqlite' | 'pgPool'>, limit = 20): Promise<RunRow[]> {
  const runs = await store.db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
  const dead = runs.some((run) => run.status === 'running') && (await isLockFree(store).catch(() => false));
  // PostgreSQL returns a bigserial id as text; `runs --json` prints the same number on both engines.
  return runs.map((run) => ({ ...run, id: Number(run.id), ...(dead && run.status === 'running' ? { status: 'interrupted', error: DIED } : {}) }));
}

export async function lastCompletedRun(db: Kysely<Database>): Promise<RunRow | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('status', 'in', ['completed', 'completed_with_failures'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}
