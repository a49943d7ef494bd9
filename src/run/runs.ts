import type { Store } from '../db/database.js';
import type { RunRow } from '../db/schema.js';
import { latestRuns } from '../store/runs.js';
import { DIED, isLockFree } from './lock.js';

/**
 * The latest runs. One still `running` while no process holds the lock died without a word
 * (killed, out of memory): it is shown as `interrupted`, as the next run or import records it.
 */
export async function listRuns(store: Pick<Store, 'db' | 'sqlite' | 'pgPool'>, limit = 20): Promise<RunRow[]> {
  const runs = await latestRuns(store.db, limit);
  const dead = runs.some((run) => run.status === 'running') && (await isLockFree(store).catch(() => false));
  // PostgreSQL returns a bigserial id as text; `runs --json` prints the same number on both engines.
  return runs.map((run) => ({ ...run, id: Number(run.id), ...(dead && run.status === 'running' ? { status: 'interrupted', error: DIED } : {}) }));
}
