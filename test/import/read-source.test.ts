import { writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as ImportModule from '../../src/import/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { scoreLine } from '../helpers/graph-security-score.js';
import { PARTNERS_CSV, PGA, reconciliationCsv, reconciliationLine } from '../helpers/partner-center.js';
import { createTempStore, type TempStore } from '../helpers/temp-store.js';

/**
 * Large files are read in a worker thread, which exists only in the compiled build: these tests
 * load the importer from dist/ and force the worker for small files.
 */
const compiled = (await import(path.join(REPO_ROOT, 'dist', 'src', 'import', 'index.js'))) as typeof ImportModule;
const options = { now: () => new Date('2026-10-15T06:00:00Z'), progress: null, workerMinBytes: 0 };

describe('reading in a worker thread', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createTempStore();
  });
  afterEach(async () => temp.cleanup());
  const file = (name: string, content: string | Buffer) => {
    const full = path.join(temp.dir, name);
    writeFileSync(full, content);
    return full;
  };
  const scalar = (sql: string) => Object.values(temp.store.sqlite!.prepare(sql).get() as Record<string, unknown>)[0];

  it('imports the same rows, totals and Shift_JIS text as in-thread reading', async () => {
    const lines = ['partner_id,charge_date,amount,currency'];
    for (let n = 0; n < 50_000; n++) lines.push(`P${n % 7},2026-0${(n % 9) + 1}-15,${n}.01,USD`);
    const summary = await compiled.importFile(temp.store, 'revenue', file('revenue.csv', `${lines.join('\r\n')}\r\n`), options);
    expect(summary).toMatchObject({ rowsRead: 50_000, inserted: 50_000, readInWorker: true });
    // Σ n.01 for n < 50,000 = 1,249,975,000 + 500 = 1,249,975,500 units.
    expect(scalar('select cast(sum(amount_micro) as text) from revenue_lines')).toBe('1249975500000000');
    expect(scalar('select cast(sum(amount_micro) as text) from revenue_totals')).toBe('1249975500000000');
    const partners = iconv.encode('partner_id,partner_name,onboarded_on,notice_to\r\nJ1,株式会社さくら,2019-04-10,a@example.jp\r\n', 'cp932');
    expect((await compiled.importFile(temp.store, 'partners', file('partners.csv', partners), options)).encoding).toBe('shift_jis');
    expect(scalar("select partner_name from partners where partner_id = 'J1'")).toBe('株式会社さくら');
  });

  it('a file imported before is found unchanged by its hash, and the reading thread started for it is stopped', async () => {
    const lines = ['partner_id,charge_date,amount,currency'];
    for (let n = 0; n < 1_000; n++) lines.push(`P1,2026-01-15,${n},USD`);
    const revenue = file('revenue.csv', `${lines.join('\n')}\n`);
    expect(await compiled.importFile(temp.store, 'revenue', revenue, options)).toMatchObject({ status: 'imported', inserted: 1_000, readInWorker: true });
    const threads = () => process.getActiveResourcesInfo().filter((kind) => kind === 'MessagePort').length;
    const before = threads();
    const again = await compiled.importFile(temp.store, 'revenue', revenue, options);
    expect(again).toMatchObject({ status: 'unchanged', rowsRead: 0, readInWorker: false });
    expect(threads()).toBe(before);
    expect(scalar('select count(*) from revenue_lines')).toBe(1_000);
    expect(scalar('select count(*) from import_batches')).toBe(1);
  });

  it("reads Graph's security score and a Partner Center export split over two files in the thread too", async () => {
    await compiled.importFile(temp.store, 'partners', file('partners.csv', PARTNERS_CSV), options);
    const lines = Array.from({ length: 3 }, (_, n) => scoreLine(n === 0 ? PGA.tenant : `00000000-0000-4000-8000-00000000000${n}`));
    const score = await compiled.importFile(temp.store, 'security', file('score.jsonl', `${lines.join('\n')}\n`), options);
    expect(score).toMatchObject({ format: 'graph-security-score', readInWorker: true, rowsRead: 3, inserted: 1, skipped: 2 });
    expect(temp.store.sqlite!.prepare('select partner_id, admin_users, contact_status, average_response_hours from security_snapshots').all()).toEqual([
      { partner_id: PGA.partnerId, admin_users: 2, contact_status: 'compliant', average_response_hours: '1.2' },
    ]);
    const part = (n: number) => reconciliationCsv([reconciliationLine({ InvoiceNumber: 'G9', Subtotal: `${n}E+2` })]);
    const both = await compiled.importFiles(temp.store, [1, 2].map((n) => ({ kind: 'revenue' as const, file: file(`part-${n}.csv`, part(n)) })), options);
    expect(both.map((s) => [s.readInWorker, s.inserted, s.replaced])).toEqual([[true, 1, 0], [true, 1, 0]]);
    expect(scalar("select cast(sum(amount_micro) as text) from revenue_lines where invoice_number = 'G9'")).toBe('300000000');
  });

  it('reports bad rows with their lines and rolls everything back', async () => {
    const lines = ['partner_id,charge_date,amount,currency'];
    for (let n = 0; n < 30_000; n++) lines.push(n === 20_000 ? 'P1,2026-02-30,1,USD' : `P1,2026-01-15,1,USD`);
    const error = await compiled.importFile(temp.store, 'revenue', file('bad.csv', `${lines.join('\n')}\n`), options).catch((e: unknown) => e);
    expect((error as Error).name).toBe('ImportRejected');
    expect((error as { problems: Array<{ line: number; column: string }> }).problems).toMatchObject([{ line: 20_002, column: 'charge_date' }]);
    expect(scalar('select count(*) from revenue_lines')).toBe(0);
    expect(scalar('select count(*) from import_batches')).toBe(0);
  });
});
