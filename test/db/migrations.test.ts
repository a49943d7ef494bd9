import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/database.js';
import { createTempStore, type TempStore } from '../helpers/temp-store.js';

describe('migrations', () => {
  let temp: TempStore | undefined;
  afterEach(async () => temp?.cleanup());

  it('creates every table in WAL mode and is a no-op the second time', async () => {
    temp = await createTempStore();
    const tables = temp.store.sqlite!
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name")
      .all()
      .map((row) => (row as { name: string }).name);
    expect(tables).toEqual([
      'assessments', 'cycles', 'decisions', 'fx_rates', 'import_batches', 'notice_decisions', 'notices',
      'partner_aliases', 'partners', 'revenue_lines', 'revenue_totals', 'run_locks', 'runs', 'security_snapshots', 'support_plans',
    ]);
    expect(temp.store.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(await migrateToLatest(temp.store.db)).toEqual([]);
  });

  it('stores no money column as REAL', async () => {
    temp = await createTempStore();
    const columns = temp.store.sqlite!.prepare("select type from pragma_table_info('revenue_lines') where name = 'amount_micro'").get() as { type: string };
    expect(columns.type.toLowerCase()).toBe('bigint');
  });
});
