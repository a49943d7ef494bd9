import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withImportTransaction } from '../../src/db/bulk-transaction.js';
import { ImportRejected, RowRefused } from '../../src/errors.js';
import { importFile, type ImportOptions } from '../../src/import/index.js';
import { TARGETS } from '../../src/store/import-targets.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import { useStore } from '../helpers/use-store.js';

const options: ImportOptions = { now: () => new Date('2026-10-15T06:00:00Z'), progress: null };
const REVENUE_HEADER = 'partner_id,charge_date,amount,currency,transaction_id,tenant_id,invoice_number,product_category';

/** What the bulk load (on PostgreSQL, COPY into the table, or into a staging table when keys repeat) could get wrong, on both engines. */
describe.each(ENGINES)('bulk load on %s', (engine) => {
  const fixture = useStore(engine);

  const file = (name: string, content: string) => {
    const full = path.join(fixture.temp.dir, name);
    writeFileSync(full, content);
    return full;
  };
  const revenue = (name: string, lines: string[]) => importFile(fixture.store, 'revenue', file(name, `${REVENUE_HEADER}\n${lines.join('\n')}\n`), options);
  const text = async (sql: string) => (await fixture.temp.query<{ v: string | null }>(sql)).map((row) => row.v);
  /** revenue_totals next to what the lines add up to, month by month: they must be equal. */
  const totalsAndLines = async () => ({
    totals: await text("select partner_id || ' ' || month || ' ' || currency || ' ' || cast(amount_micro as text) || ' ' || cast(lines as text) as v from revenue_totals order by 1"),
    lines: await text(
      "select partner_id || ' ' || substr(charge_date, 1, 7) || ' ' || currency || ' ' || cast(sum(amount_micro) as text) || ' ' || cast(count(*) as text) as v from revenue_lines group by partner_id, substr(charge_date, 1, 7), currency order by 1",
    ),
  });
  const state = async () => ({
    rows: await text("select partner_id || '|' || coalesce(transaction_id, '-') || '|' || cast(amount_micro as text) as v from revenue_lines order by 1"),
    batches: await text('select cast(count(*) as text) as v from import_batches'),
    ...(await totalsAndLines()),
  });

  it('keeps text exactly: quotes, backslashes, \\N and Japanese through the importer', async () => {
    const awkward = ['say "hi"', 'back\\slash \\N \\t', '株式会社テスト・データ', '\\', '\\N'];
    const csv = (value: string) => `"${value.replaceAll('"', '""')}"`;
    const lines = awkward.map((value, i) => `P1,2026-01-0${i + 1},1,USD,T${i},,INV-${i},${csv(value)}`);
    const summary = await revenue('awkward.csv', lines);
    expect(summary).toMatchObject({ status: 'imported', inserted: awkward.length });
    expect(await text('select product_category as v from revenue_lines order by transaction_id')).toEqual(awkward);
  });

  it('keeps text exactly: tabs, line breaks, backslashes, NULL next to the text \\N, and a value longer than a write, written straight through the bulk transaction', async () => {
    // The last is longer than one write to the server, in bytes and in characters.
    const awkward = ['tab\there', 'two\nlines', 'crlf\r\nend', 'back\\slash\\', '\\N', '', '株式会社\tテスト', `長\t${'名'.repeat(200_000)}`];
    const width = TARGETS.partners.columns.length;
    const values = awkward.flatMap((name, i) => [`Q${i}`, name, '2020-04-01', 'ops@example.com', '', 'en', 'direct_bill', '', '', '', 0]);
    expect(values.length).toBe(awkward.length * width);
    const lines = ['\\N', null, ''].flatMap((category, i) => ['P1', '2026-01-05', 1, 'USD', `T${i}`, null, null, category, 0]);
    await withImportTransaction(fixture.store, async (tx) => {
      await tx.insertRows(TARGETS.partners, values);
      await tx.insertRows(TARGETS.revenueLines, lines);
    });
    expect(await text('select partner_name as v from partners order by partner_id')).toEqual(awkward);
    expect(await text("select coalesce(product_category, 'NULL') as v from revenue_lines order by transaction_id")).toEqual(['\\N', 'NULL', '']);
  });

  it('an empty optional cell is NULL where it was NULL before, and empty text where it was empty text', async () => {
    await revenue('nulls.csv', ['P1,2026-01-05,1,USD,,,,', 'P1,2026-01-06,2,USD,T1,,INV-1,Azure']);
    expect(await text("select coalesce(transaction_id, 'NULL') || '/' || coalesce(invoice_number, 'NULL') || '/' || coalesce(product_category, 'NULL') as v from revenue_lines order by charge_date")).toEqual([
      'NULL/NULL/NULL',
      'T1/INV-1/Azure',
    ]);
    await importFile(fixture.store, 'partners', file('partners.csv', 'partner_id,partner_name,onboarded_on,notice_to,notice_cc\nQ1,Q One,2020-04-01,ops@example.com,\n'), options);
    // An empty notice_cc is the empty list, written as empty text: not NULL.
    expect(await text("select coalesce(notice_cc, 'NULL') as v from partners")).toEqual(['']);
  });

  it('keeps the largest amounts exact, to the micro-unit, and their monthly sum near the 64-bit limit', async () => {
    const max = '999999999999.999999';
    const lines = Array.from({ length: 9 }, (_, i) => `P1,2026-01-0${i + 1},${max},USD,T${i},,,`);
    lines.push(`P1,2026-02-05,-${max},USD,N1,,,`, 'P1,2026-03-05,0.000001,JPY,N2,,,');
    expect((await revenue('huge.csv', lines)).inserted).toBe(11);
    expect(await text("select cast(amount_micro as text) as v from revenue_lines where transaction_id like 'N%' order by transaction_id")).toEqual(['-999999999999999999', '1']);
    const { totals, lines: sums } = await totalsAndLines();
    expect(totals).toEqual(sums);
    expect(totals[0]).toBe('P1 2026-01 USD 8999999999999999991 9');
  });

  it('a transaction id met twice in one file keeps its last line, and the totals count it once', async () => {
    const summary = await revenue('twice.csv', ['P1,2026-01-05,10,USD,T1,,,', 'P1,2026-01-06,20,USD,T2,,,', 'P1,2026-02-07,30,USD,T1,,,', 'P1,2026-03-08,40,USD,T1,,,']);
    expect(summary).toMatchObject({ rowsRead: 4, inserted: 2, replaced: 2 });
    expect(await text("select transaction_id || ' ' || charge_date || ' ' || cast(amount_micro as text) as v from revenue_lines order by transaction_id")).toEqual([
      'T1 2026-03-08 40000000',
      'T2 2026-01-06 20000000',
    ]);
    const { totals, lines } = await totalsAndLines();
    expect(totals).toEqual(lines);
    expect(totals).toEqual(['P1 2026-01 USD 20000000 1', 'P1 2026-03 USD 40000000 1']);
  });

  it('a later import replaces lines by transaction id, keyless lines add, and the totals stay exact', async () => {
    await revenue('first.csv', ['P1,2026-01-05,10,USD,T1,,,', 'P1,2026-01-06,20,USD,T2,,,', 'P1,2026-01-07,5,USD,,,,']);
    const second = await revenue('second.csv', ['P1,2026-02-05,11,USD,T1,,,', 'P2,2026-01-06,21,EUR,T2,,,', 'P1,2026-01-08,6,USD,,,,', 'P1,2026-01-09,7,USD,T3,,,']);
    expect(second).toMatchObject({ inserted: 2, replaced: 2 });
    expect((await state()).rows).toEqual(['P1|-|5000000', 'P1|-|6000000', 'P1|T1|11000000', 'P1|T3|7000000', 'P2|T2|21000000']);
    const { totals, lines } = await totalsAndLines();
    expect(totals).toEqual(lines);
  });

  it('a transaction id met again far later in a large file (another load on PostgreSQL) keeps its last line, totals exact', async () => {
    const lines = Array.from({ length: 140_000 }, (_, i) => `P${i % 40},2026-0${(i % 9) + 1}-05,${i % 1000}.5,USD,X${i},,,`);
    lines.push('P7,2026-09-30,123.45,EUR,X3,,,', 'P8,2026-09-30,1,USD,X139999,,,');
    const summary = await revenue('long.csv', lines);
    expect(summary).toMatchObject({ rowsRead: 140_002, inserted: 140_000, replaced: 2 });
    expect(await text("select partner_id || ' ' || currency || ' ' || cast(amount_micro as text) as v from revenue_lines where transaction_id in ('X3', 'X139999') order by transaction_id")).toEqual([
      'P8 USD 1000000',
      'P7 EUR 123450000',
    ]);
    const { totals, lines: sums } = await totalsAndLines();
    expect(totals).toEqual(sums);
  });

  it('a key already stored met late in a large file (after a whole load on PostgreSQL) replaces its line once, and the rest is kept once', async () => {
    await revenue('first.csv', ['P1,2026-01-05,10,USD,X139990,,,', 'P1,2026-01-06,20,USD,X5,,,']);
    const lines = Array.from({ length: 140_000 }, (_, i) => `P${i % 40},2026-0${(i % 9) + 1}-05,${i % 1000}.5,USD,X${i},,,`);
    const summary = await revenue('long.csv', lines);
    expect(summary).toMatchObject({ rowsRead: 140_000, inserted: 139_998, replaced: 2 });
    expect(await text('select cast(count(*) as text) as v from revenue_lines')).toEqual(['140000']);
    expect(await text("select partner_id || ' ' || charge_date || ' ' || cast(amount_micro as text) as v from revenue_lines where transaction_id in ('X5', 'X139990') order by transaction_id")).toEqual([
      'P30 2026-05-05 990500000',
      'P5 2026-06-05 5500000',
    ]);
    const { totals, lines: sums } = await totalsAndLines();
    expect(totals).toEqual(sums);
    // A later file of the same keys goes through the keyed replace from its first line.
    const again = await revenue('again.csv', lines.slice(0, 1000).map((line) => line.replace('.5,USD', '.25,USD')));
    expect(again).toMatchObject({ inserted: 0, replaced: 1000 });
    expect((await totalsAndLines()).totals).toEqual((await totalsAndLines()).lines);
  });

  it('a bad line late in a large file rolls everything back, naming its line, and leaves the database as it was', async () => {
    await revenue('first.csv', ['P1,2026-01-05,10,USD,T1,,,']);
    const before = await state();
    const lines = Array.from({ length: 40_000 }, (_, i) => `P${i % 50},2026-0${(i % 9) + 1}-05,${i}.25,USD,X${i},,,Cat ${i}`);
    lines[39_990] = 'P1,2026-13-05,1,USD,BAD,,,';
    const error = await revenue('late.csv', lines).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportRejected);
    expect((error as ImportRejected).problems).toMatchObject([{ line: 39_992, column: 'charge_date' }]);
    expect(await state()).toEqual(before);
  });
});

describe.runIf(ENGINES.includes('postgres'))('bulk load on postgres: a value the server refuses while copying', () => {
  let temp: TestDatabase;
  afterEach(async () => temp?.cleanup());

  it('names the file line and column of the refused row, and nothing of the load is kept', async () => {
    temp = await createTestDatabase('postgres');
    const store = await temp.openStore();
    const row = (amount: unknown, id: string) => ['P1', '2026-01-05', amount, 'USD', id, null, null, null, 0];
    const error = await withImportTransaction(store, (tx) => tx.insertRows(TARGETS.revenueLines, [...row(1, 'T1'), ...row(2, 'T2'), ...row('12x', 'T3')], [2, 5, 9])).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RowRefused);
    expect(error).toMatchObject({ line: 9, column: 'amount_micro' });
    expect(await temp.query('select * from revenue_lines')).toEqual([]);
  });

  it('a stored key the server reports while rows are still being sent: every row of that COPY goes to the staging table, none lost or doubled', async () => {
    temp = await createTestDatabase('postgres');
    const store = await temp.openStore();
    const row = (i: number) => ['P1', '2026-01-05', i, 'USD', `T${i}`, null, null, `category ${i}`, 0];
    const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => row(from + k)).flat();
    await withImportTransaction(store, (tx) => tx.insertRows(TARGETS.revenueLines, row(3)));
    await withImportTransaction(store, async (tx) => {
      // More than one write's worth, so the server reads the stored key before the COPY ends.
      await tx.insertRows(TARGETS.revenueLines, rows(0, 8_000));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.insertRows(TARGETS.revenueLines, rows(8_000, 20_000));
    });
    expect(await temp.query('select count(*)::int as n, count(distinct transaction_id)::int as keys, sum(amount_micro)::text as sum from revenue_lines')).toEqual([
      { n: 20_000, keys: 20_000, sum: String((19_999 * 20_000) / 2) },
    ]);
  });

  it('names the line of a refused row sent again to the staging table after a stored key was met', async () => {
    temp = await createTestDatabase('postgres');
    const store = await temp.openStore();
    const row = (amount: unknown, id: string) => ['P1', '2026-01-05', amount, 'USD', id, null, null, null, 0];
    await withImportTransaction(store, (tx) => tx.insertRows(TARGETS.revenueLines, row(1, 'T1')));
    const error = await withImportTransaction(store, (tx) => tx.insertRows(TARGETS.revenueLines, [...row(2, 'T2'), ...row(3, 'T1'), ...row('12x', 'T3')], [2, 5, 9])).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ line: 9, column: 'amount_micro' });
    expect(await temp.query('select transaction_id, amount_micro from revenue_lines')).toEqual([{ transaction_id: 'T1', amount_micro: '1' }]);
  });
});
