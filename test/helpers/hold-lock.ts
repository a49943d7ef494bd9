import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { TestDatabase } from './engines.js';

/** The key src/store/process-lock.ts locks: pinned here, since containers of two versions must agree on it. */
export const ADVISORY_KEY = '7338240117002025';

/**
 * Holds the lock that runs and imports take, as a live process elsewhere would: SQLite's exclusive
 * lock on the file beside the database, or PostgreSQL's advisory lock on a session of its own.
 */
export async function holdLock(temp: TestDatabase): Promise<{ release(): Promise<void> }> {
  if (temp.engine === 'sqlite') {
    const holder = new BetterSqlite3(`${temp.databaseUrl}.lock`);
    holder.exec('BEGIN EXCLUSIVE');
    return {
      release: async () => {
        holder.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: temp.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_KEY]);
  if (!rows[0]?.locked) throw new Error('the lock is already held');
  return { release: () => client.end() };
}
