import type { Kysely, Selectable } from 'kysely';
import type { Database, RunLocksTable } from '../db/schema.js';

/** The one row of run_locks: it only says who holds the lock, which the process-held lock enforces. */
const RUN_LOCK = 'run';

export function readLockHolder(db: Kysely<Database>): Promise<Selectable<RunLocksTable> | undefined> {
  return db.selectFrom('run_locks').selectAll().where('name', '=', RUN_LOCK).executeTakeFirst();
}

export async function recordLockHolder(db: Kysely<Database>, row: { run_id: number; holder: string; acquired_at: string; heartbeat_at: string; task: string }): Promise<void> {
  await db
    .insertInto('run_locks')
    .values({ name: RUN_LOCK, ...row })
    .onConflict((oc) => oc.column('name').doUpdateSet(row))
    .execute();
}

/** Deletes the row; only while `holder` names it, when one is given. */
export async function deleteLockHolder(db: Kysely<Database>, holder?: string): Promise<void> {
  let query = db.deleteFrom('run_locks').where('name', '=', RUN_LOCK);
  if (holder !== undefined) query = query.where('holder', '=', holder);
  await query.execute();
}
