import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFile } from '../../src/import/index.js';
import { EvidenceReader } from '../../src/store/evidence.js';
import { defaultPolicy, renewalCycle } from '../builders/index.js';
import { createTempStore, type TempStore } from '../helpers/temp-store.js';

const options = { now: () => new Date('2026-10-15T06:00:00Z'), progress: null };

describe('revenue evidence read from the database', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore();
  });
  afterEach(async () => temp.cleanup());

  const importRevenue = async (rows: string[]) => {
    const file = path.join(temp.dir, `revenue-${Math.random()}.csv`);
    writeFileSync(file, `partner_id,charge_date,amount,currency\n${rows.join('\n')}\n`);
    await importFile(temp.store, 'revenue', file, options);
  };

  it('counts exactly the twelve whole months before the cycle month, first and last day included', async () => {
    await importRevenue([
      'P1,2025-09-30,1000,USD', // the day before the window
      'P1,2025-10-01,1,USD', // its first day
      'P1,2026-09-30,2,USD', // its last day
      'P1,2026-10-01,4000,USD', // the cycle month itself
      'P1,2026-03-15,-0.5,USD', // a credit
      'P2,2026-05-01,777,USD', // someone else
    ]);
    const evidence = await new EvidenceReader(temp.store.db, defaultPolicy(), '2026-10-15').revenue(renewalCycle('2026-10'));
    expect(evidence.window).toMatchObject({ from: '2025-10-01', to: '2026-09-30' });
    expect(evidence.groups).toEqual([
      { month: '2025-10', currency: 'USD', amount: '1', lines: 1 },
      { month: '2026-03', currency: 'USD', amount: '-0.5', lines: 1 },
      { month: '2026-09', currency: 'USD', amount: '2', lines: 1 },
    ]);
    expect(evidence.feedReachesWindowEnd).toBe(true);
    expect(evidence.latestRevenueMonth).toBe('2026-10');
  });

  it('sees the feed as stale until anyone has revenue in the last month of the window, and reads the rates it needs', async () => {
    await importRevenue(['P1,2026-08-31,100,JPY']);
    const fx = path.join(temp.dir, 'fx.csv');
    writeFileSync(fx, 'currency,month,usd_per_unit\nJPY,2026-08,0.0067\nJPY,2026-07,0.0066\n');
    await importFile(temp.store, 'fx-rates', fx, options);
    const reader = () => new EvidenceReader(temp.store.db, defaultPolicy(), '2026-10-15');
    const stale = await reader().revenue(renewalCycle('2026-10'));
    expect(stale.feedReachesWindowEnd).toBe(false);
    expect(stale.fxRates).toEqual({ 'JPY:2026-07': '0.0066', 'JPY:2026-08': '0.0067' });
    await importRevenue(['P2,2026-09-01,1,USD']);
    expect((await reader().revenue(renewalCycle('2026-10'))).feedReachesWindowEnd).toBe(true);
  });
});
