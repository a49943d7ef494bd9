import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

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
