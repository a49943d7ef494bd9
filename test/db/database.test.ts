import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/db/database.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
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

describe.runIf(ENGINES.includes('postgres'))('PostgreSQL connections', () => {
  let temp: TestDatabase | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  it('survives the server closing an idle pooled connection (restart, failover, idle timeout) and reconnects', async () => {
    temp = await createTestDatabase('postgres');
    const store = await temp.openStore();
    await store.db.selectFrom('runs').selectAll().execute();
    expect(store.pgPool!.idleCount).toBeGreaterThan(0);

    const admin = new pg.Client({ connectionString: temp.databaseUrl });
    await admin.connect();
    try {
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    } finally {
      await admin.end();
    }
    // Wait until the pool has seen the connection go: an unhandled 'error' would end the process here.
    for (let i = 0; i < 100 && store.pgPool!.totalCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(store.pgPool!.totalCount).toBe(0);
    expect(await store.db.selectFrom('runs').selectAll().execute()).toEqual([]);
  });
});
