import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/db/database.js';
import { tempDir } from '../helpers/temp-store.js';

/**
 * Two processes on one SQLite file: a transaction that reads, then writes after the other process
 * committed, must not fail with "database is locked" (a deferred BEGIN's stale snapshot). Each
 * transaction takes the write lock as it begins, so the other writer waits instead.
 */
describe('SQLite transactions', () => {
  let store: Store | undefined;
  let other: BetterSqlite3.Database | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    other?.close();
    await store?.close();
    cleanup?.();
  });

  it('take the write lock when they begin, so a read-then-write transaction never meets a stale snapshot', async () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const file = path.join(temp.dir, 'reeval.sqlite');
    store = await openStore({ kind: 'sqlite', file });
    await sql`create table counter (n integer)`.execute(store.db);
    await sql`insert into counter values (0)`.execute(store.db);
    // Another process's connection that does not wait for a lock at all.
    other = new BetterSqlite3(file, { timeout: 0 });

    await store.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
      // Under a deferred BEGIN this write would succeed, and ours below would then fail at once.
      expect(() => other!.prepare('update counter set n = n + 100').run()).toThrow(/database is locked/);
      await sql`update counter set n = ${rows[0]!.n + 1}`.execute(trx);
    });

    other.prepare('update counter set n = n + 100').run();
    expect(other.prepare('select n from counter').pluck().get()).toBe(101);
  });
});
