import { writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { ImportRejected } from '../../src/errors.js';
import { importDirectory, importFile, type ImportOptions, planDirectory } from '../../src/import/index.js';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { spawnCli } from '../helpers/spawn-cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const options: ImportOptions = { now: () => new Date('2026-10-15T06:00:00Z'), progress: null };

const PARTNERS_HEADER = 'partner_id,partner_name,onboarded_on,notice_to,notice_cc,locale,status,tenant_ids,location_ids,regions';

describe.each(ENGINES)('import on %s', (engine) => {
  let temp: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    store = await temp.openStore();
  });
  afterEach(async () => temp.cleanup());

  const file = (name: string, content: string | Buffer) => {
    const full = path.join(temp.dir, name);
    writeFileSync(full, content);
    return full;
  };
  const rows = <T = Record<string, unknown>>(sql: string) => temp.query<T>(sql);
  const scalar = async (sql: string) => Object.values((await rows(sql))[0]!)[0];
  /** count(*) is a number on SQLite and text on PostgreSQL. */
  const count = async (sql: string) => Number(await scalar(sql));
  const state = async () => ({
    revenue: await count('select count(*) from revenue_lines'),
    sum: await scalar('select cast(coalesce(sum(amount_micro), 0) as text) from revenue_lines'),
    partners: await count('select count(*) from partners'),
    batches: await count('select count(*) from import_batches'),
    aliases: await count('select count(*) from partner_aliases'),
  });
  const rejection = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportRejected);
    return error as ImportRejected;
  };

  it('imports revenue with exact amounts: credits and fractions add up to exactly 1,000,000.00', async () => {
    const lines = ['partner_id,charge_date,amount,currency'];
    // 3 × 333333.333333 + 0.000001 + 100 − 100 = 1000000.000000 exactly; a float sum would drift.
    lines.push('P1,2026-01-05,333333.333333,USD', 'P1,2026-02-05,333333.333333,USD', 'P1,2026-03-05,333333.333333,USD');
    lines.push('P1,2026-03-06,0.000001,USD', 'P1,2026-03-07,100,USD', 'P1,2026-03-08,-100.00,USD');
    const summary = await importFile(store, 'revenue', file('revenue.csv', `${lines.join('\n')}\n`), options);
    expect(summary).toMatchObject({ status: 'imported', rowsRead: 6, inserted: 6, replaced: 0 });
    expect(await scalar('select cast(sum(amount_micro) as text) from revenue_lines')).toBe('1000000000000');
    const storedType = engine === 'sqlite' ? 'select typeof(amount_micro) from revenue_lines' : 'select cast(pg_typeof(amount_micro) as text) from revenue_lines';
    expect(new Set((await rows(storedType)).map((row) => Object.values(row)[0]))).toEqual(new Set([engine === 'sqlite' ? 'integer' : 'bigint']));
  });

  it('keeps revenue lines of partners not in the partners file, and names those partners once each in a warning', async () => {
    await importFile(store, 'partners', file('partners.csv', 'partner_id,partner_name,onboarded_on,notice_to\nP1,Known KK,2020-04-01,ops@known.example\n'), options);
    const lines = ['partner_id,charge_date,amount,currency', 'P1,2026-01-05,1,USD', 'X9,2026-01-06,2,USD', 'P1,2026-02-05,3,USD', 'X2,2026-01-07,4,JPY', 'X9,2026-03-01,5,USD'];
    const summary = await importFile(store, 'revenue', file('revenue.csv', `${lines.join('\n')}\n`), options);
    expect(summary).toMatchObject({ status: 'imported', rowsRead: 5, inserted: 5 });
    expect(summary.warnings).toEqual(['2 partner id(s) are not in the partners file: X9, X2']);
    expect(await count("select count(*) from revenue_lines where partner_id in ('X9', 'X2')")).toBe(3);

    const known = await importFile(store, 'revenue', file('known.csv', 'partner_id,charge_date,amount,currency\nP1,2026-04-05,1,USD\n'), options);
    expect(known.warnings).toEqual([]);
  });

  it('rejects a bad file whole, naming file, line, column, value and reason of every bad row, and leaves the database as it was', async () => {
    await importFile(store, 'revenue', file('good.csv', 'partner_id,charge_date,amount,currency\nP1,2026-01-05,10.50,USD\n'), options);
    const before = await state();
    const bad = file(
      'bad.csv',
      [
        'partner_id,charge_date,amount,currency',
        'P1,2026-01-06,20.00,USD',
        'P1,2026-02-30,5,USD',
        'P2,2026-03-01,1.234.5,USD',
        'P3,2026-03-01,5,US',
        ',2026-03-01,5,USD',
        'P4,2026-13-01,"1,000.00",EUR',
        'P5,45678,5,JPY',
        'P6,2026-03-01,5,USD',
      ].join('\r\n'),
    );
    const error = await rejection(importFile(store, 'revenue', bad, options));
    expect(error.totalProblems).toBe(7);
    const where = error.problems.map((p) => `${p.line} ${p.column} ${p.value}`);
    expect(where).toEqual([
      '3 charge_date 2026-02-30',
      '4 amount 1.234.5',
      '5 currency US',
      '6 partner_id ',
      '7 charge_date 2026-13-01',
      '7 amount 1,000.00',
      '8 charge_date 45678',
    ]);
    expect(error.message).toContain('bad.csv:3 column charge_date value "2026-02-30": is not a real calendar date');
    expect(error.message).toContain('thousands separators');
    expect(error.message).toContain('spreadsheet serial number');
    expect(await state()).toEqual(before);
  });

  it('reports a missing required column once, not once per row', async () => {
    const error = await rejection(
      importFile(store, 'revenue', file('r.csv', 'partner_id,charge_date,currency\nP1,2026-01-05,USD\nP1,2026-01-06,USD\n'), options),
    );
    expect(error.totalProblems).toBe(1);
    expect(error.problems[0]!.message).toMatch(/lacks the required column amount/);
  });

  it('matches headers case-insensitively after trimming, in any order, ignoring unknown columns', async () => {
    const summary = await importFile(
      store,
      'fx-rates',
      file('fx.csv', ' USD_Per_Unit ,Month,extra,CURRENCY\n0.0067,2026-01,x,jpy\n'),
      options,
    );
    expect(summary.inserted).toBe(1);
    expect(await rows('select currency, month, usd_per_unit from fx_rates')).toEqual([{ currency: 'JPY', month: '2026-01', usd_per_unit: '0.0067' }]);
  });

  it('imports the same file a second time as a no-op that says so', async () => {
    const revenue = file('revenue.csv', 'partner_id,charge_date,amount,currency\nP1,2026-01-05,10.50,USD\n');
    await importFile(store, 'revenue', revenue, options);
    const before = await state();
    const again = await importFile(store, 'revenue', revenue, options);
    expect(again.status).toBe('unchanged');
    expect(await state()).toEqual(before);
    const cli = await runCli(['import', 'revenue', revenue], { DATABASE_URL: temp.databaseUrl });
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(/already imported .* nothing changed/);
  });

  it('two imports of the same file at once (two processes): one imports it, the other finds it already imported', async () => {
    const revenue = file('revenue.csv', `partner_id,charge_date,amount,currency\n${Array.from({ length: 20_000 }, (_, n) => `P1,2026-01-05,${n},USD`).join('\n')}\n`);
    await store.close();
    const importing = async () => {
      const spawned = spawnCli(['import', 'revenue', revenue], { DATABASE_URL: temp.databaseUrl });
      return { code: await spawned.exit, stderr: spawned.stderr() };
    };
    const results = await Promise.all([importing(), importing()]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect(results.filter((r) => /already imported/.test(r.stderr))).toHaveLength(1);
    expect(await count('select count(*) from revenue_lines')).toBe(20_000);
    expect(await count('select count(*) from import_batches')).toBe(1);
  });

  it('replaces a row whose key was imported before', async () => {
    await importFile(store, 'revenue', file('a.csv', 'transaction_id,partner_id,charge_date,amount,currency\nT1,P1,2026-01-05,10.00,USD\nT2,P1,2026-01-06,5,USD\n'), options);
    const summary = await importFile(store, 'revenue', file('b.csv', 'transaction_id,partner_id,charge_date,amount,currency\nT1,P1,2026-01-05,-3.25,USD\nT3,P1,2026-01-07,1,USD\n'), options);
    expect(summary).toMatchObject({ inserted: 1, replaced: 1 });
    expect(await rows('select transaction_id, cast(amount_micro as text) as amount_micro from revenue_lines order by transaction_id')).toEqual([
      { transaction_id: 'T1', amount_micro: '-3250000' },
      { transaction_id: 'T2', amount_micro: '5000000' },
      { transaction_id: 'T3', amount_micro: '1000000' },
    ]);

    await importFile(store, 'support-plans', file('s1.csv', 'partner_id,plan,term_start,term_end\nP1,ASfP,2025-11-01,2026-10-31\n'), options);
    const plans = await importFile(store, 'support-plans', file('s2.csv', 'partner_id,plan,term_start,term_end\nP1,psfp,2025-11-01,2026-11-30\n'), options);
    expect(plans).toMatchObject({ inserted: 0, replaced: 1 });
    expect(await rows('select plan, term_end from support_plans')).toEqual([{ plan: 'PSfP', term_end: '2026-11-30' }]);
  });

  it('keeps the monthly revenue totals equal to the lines through inserts, replacements and invoice re-imports', async () => {
    const recomputed = () =>
      rows(
        "select partner_id, substr(charge_date, 1, 7) as month, currency, cast(sum(amount_micro) as text) as amount, cast(count(*) as text) as lines from revenue_lines group by 1, 2, 3 order by 1, 2, 3",
      );
    const totals = () => rows('select partner_id, month, currency, cast(amount_micro as text) as amount, cast(lines as text) as lines from revenue_totals order by 1, 2, 3');
    await importFile(store, 'partners', file('p.csv', `${PARTNERS_HEADER}\nA,Alpha,2020-01-01,a@example.com,,en,,,5100001,\n`), options);
    const header = 'transaction_id,partner_id,charge_date,amount,currency';
    await importFile(store, 'revenue', file('r1.csv', `${header}\nT1,A,2026-01-05,10,USD\nT2,A,2026-01-06,5,USD\nT3,A,2026-02-01,7,EUR\nT1,A,2026-01-05,11,USD\n`), options);
    expect(await totals()).toEqual(await recomputed());
    // T2 moves to another month and currency; T3 is credited away to nothing.
    await importFile(store, 'revenue', file('r2.csv', `${header}\nT2,A,2026-03-06,900000000000.5,JPY\nT3,A,2026-02-01,0,EUR\nT4,A,2026-03-07,900000000000.5,JPY\n`), options);
    expect(await totals()).toEqual(await recomputed());
    expect((await totals()).find((t) => t.currency === 'JPY')).toMatchObject({ amount: '1800000000001000000', lines: '2' });
    const pc = 'InvoiceNumber,MpnId,Subtotal,Currency,ChargeStartDate\n';
    await importFile(store, 'revenue', file('pc1.csv', `${pc}G1,5100001,100,USD,1/10/2026\nG1,5100001,50,USD,2/10/2026\n`), options);
    await importFile(store, 'revenue', file('pc2.csv', `${pc}G1,5100001,30,USD,2/11/2026\n`), options);
    expect(await totals()).toEqual(await recomputed());
    expect(await count('select count(*) from revenue_totals where lines = 0')).toBe(0);
  });

  it('refuses revenue whose monthly total would overflow exact 64-bit micro-units, in one file or across two', async () => {
    const header = 'partner_id,charge_date,amount,currency';
    const lines = (n: number, day: number) => Array.from({ length: n }, (_, i) => `BIG,2026-01-${String(day + i).padStart(2, '0')},999999999999,VND`);
    const before = await state();
    const one = await rejection(importFile(store, 'revenue', file('one.csv', `${header}\n${lines(10, 1).join('\n')}\n`), options));
    expect(one.message).toMatch(/revenue of BIG dated in 2026-01 in VND would add up to more than 9,223,372,036,854 units/);
    expect(await state()).toEqual(before);

    await importFile(store, 'revenue', file('a.csv', `${header}\n${lines(5, 1).join('\n')}\n`), options);
    const afterFirst = await state();
    const two = await rejection(importFile(store, 'revenue', file('b.csv', `${header}\n${lines(5, 11).join('\n')}\n`), options));
    expect(two.message).toMatch(/would add up to more than 9,223,372,036,854 units/);
    expect(await state()).toEqual(afterFirst);
    expect(await scalar("select cast(amount_micro as text) from revenue_totals where partner_id = 'BIG'")).toBe('4999999999995000000');
  });

  it('refuses a key repeated within one keyed file', async () => {
    const error = await rejection(
      importFile(store, 'fx-rates', file('fx.csv', 'currency,month,usd_per_unit\nEUR,2026-01,1.08\nJPY,2026-01,0.0067\nEUR,2026-01,1.09\n'), options),
    );
    expect(error.problems[0]).toMatchObject({ line: 4, message: 'repeats the key of line 2' });
  });

  it('reads Shift_JIS (CP932) Japanese names and keeps them intact', async () => {
    const csv = `${PARTNERS_HEADER}\r\nJP1,株式会社さくらクラウド①,2019-04-10,a@example.jp,,ja,,,,JP\r\n`;
    const summary = await importFile(store, 'partners', file('partners.csv', iconv.encode(csv, 'cp932')), options);
    expect(summary.encoding).toBe('shift_jis');
    expect(await scalar("select partner_name from partners where partner_id = 'JP1'")).toBe('株式会社さくらクラウド①');
  });

  it('reads UTF-8 with a BOM without corrupting the first column, and --encoding forces a choice', async () => {
    const csv = `\ufeff${PARTNERS_HEADER}\nJP2,株式会社テスト,2020-01-01,a@example.jp,,ja,,,,\n`;
    const summary = await importFile(store, 'partners', file('p.csv', csv), options);
    expect(summary.encoding).toBe('utf8');
    expect(await rows('select partner_id, partner_name, locale, status from partners')).toEqual([
      { partner_id: 'JP2', partner_name: '株式会社テスト', locale: 'ja', status: 'direct_bill' },
    ]);
    // Forced to Shift_JIS, the UTF-8 bytes are not valid Shift_JIS: refused, not mangled.
    const forced = await rejection(importFile(store, 'partners', file('p2.csv', csv.replace('JP2', 'JP3')), { ...options, encoding: 'shift_jis' }));
    expect(forced.message).toMatch(/not valid Shift_JIS/);
  });

  it('refuses a file whose encoding changes part-way', async () => {
    const head = `${PARTNERS_HEADER}\n${'X1,Alpha,2020-01-01,a@example.com,,en,,,,\n'.repeat(3000)}`;
    const tail = iconv.encode('JP9,株式会社みどり,2020-01-01,a@example.jp,,ja,,,,\n', 'cp932');
    const error = await rejection(importFile(store, 'partners', file('mixed.csv', Buffer.concat([Buffer.from(head), tail])), options));
    expect(error.problems[0]).toMatchObject({ line: 3002 });
    expect(error.message).toMatch(/not valid UTF-8/);
  });

  it('validates enums, emails and single-line fields', async () => {
    const csv = [
      PARTNERS_HEADER,
      'A1,Alpha,2020-01-01,not-an-email,,en,,,,',
      'A2,Alpha,2020-01-01,a@example.com;b@,,fr,,,,',
      'A3,"Two\nLines",2020-01-01,a@example.com,,en,reseller,,,',
      'A4,Delta,2020-01-01,"a@example.com\r\nBcc: evil@example.com",,en,,,,',
    ].join('\n');
    const error = await rejection(importFile(store, 'partners', file('p.csv', csv), options));
    expect(error.problems.map((p) => `${p.line} ${p.column}`)).toEqual(['2 notice_to', '3 notice_to', '3 locale', '4 partner_name', '4 status', '6 notice_to']);
    expect((await state()).partners).toBe(0);
  });

  it('maps Partner Center lines to partners by location id and by tenant id, and reports the unmatched', async () => {
    await importFile(
      store,
      'partners',
      file(
        'partners.csv',
        `${PARTNERS_HEADER}\nPGA1,Alpha,2020-01-01,a@example.com,,en,,6F1C2A9E-1D4B-4C1E-9A57-0C8B2F3D4E01,5100001;5100101,\nPGA2,Beta,2020-01-01,b@example.com,,en,,2b7e4c1a-8f3d-4e2a-b6c9-1a2b3c4d5e02,5100002,\n`,
      ),
      options,
    );
    const header = 'PartnerId,CustomerId,InvoiceNumber,MpnId,Tier2MpnId,OrderDate,Subtotal,TaxTotal,Total,Currency,ChargeStartDate,ChargeType';
    const pc = [
      header,
      '00000000-0000-4000-8000-000000000000,c1,G001,5100101,,8/1/2026,100.50,10.05,110.55,USD,8/1/2026 12:00:00 AM,cycleCharge',
      '2b7e4c1a-8f3d-4e2a-b6c9-1a2b3c4d5e02,c2,G002,,,8/2/2026,200,20,220,EUR,,cycleCharge',
      '99999999-0000-4000-8000-000000000000,c3,G003,7777777,,8/3/2026,300,30,330,USD,2026-08-03,cycleCharge',
      '6f1c2a9e-1d4b-4c1e-9a57-0c8b2f3d4e01,c4,G001,,,8/1/2026,-20.25,0,-20.25,USD,8/4/2026,refund',
    ].join('\r\n');
    const summary = await importFile(store, 'revenue', file('pc.csv', pc), { ...options, format: 'partner-center' });
    expect(summary).toMatchObject({ format: 'partner-center', rowsRead: 4, inserted: 3, skipped: 1 });
    expect(summary.unmatched).toEqual([{ line: 4, mpnId: '7777777', tenantId: '99999999-0000-4000-8000-000000000000' }]);
    expect(
      await rows('select partner_id, charge_date, cast(amount_micro as text) as amount_micro, currency, invoice_number from revenue_lines order by id'),
    ).toEqual([
      { partner_id: 'PGA1', charge_date: '2026-08-01', amount_micro: '100500000', currency: 'USD', invoice_number: 'G001' },
      { partner_id: 'PGA2', charge_date: '2026-08-02', amount_micro: '200000000', currency: 'EUR', invoice_number: 'G002' },
      { partner_id: 'PGA1', charge_date: '2026-08-04', amount_micro: '-20250000', currency: 'USD', invoice_number: 'G001' },
    ]);

    // A later export holding invoice G001 replaces every line imported earlier for it; G002 stays.
    const corrected = [header, '00000000-0000-4000-8000-000000000000,c1,G001,5100001,,8/1/2026,90,9,99,USD,8/1/2026,cycleCharge'].join('\n');
    const second = await importFile(store, 'revenue', file('pc2.csv', corrected), { ...options, format: 'partner-center' });
    expect(second).toMatchObject({ inserted: 1, replaced: 2 });
    expect(await rows('select invoice_number, cast(amount_micro as text) as amount_micro from revenue_lines order by invoice_number')).toEqual([
      { invoice_number: 'G001', amount_micro: '90000000' },
      { invoice_number: 'G002', amount_micro: '200000000' },
    ]);
  });

  it('refuses a tenant or location id claimed by two partners', async () => {
    const csv = `${PARTNERS_HEADER}\nA,Alpha,2020-01-01,a@example.com,,en,,,5100001,\nB,Beta,2020-01-01,b@example.com,,en,,,5100001,\n`;
    const error = await rejection(importFile(store, 'partners', file('p.csv', csv), options));
    expect(error.problems[0]).toMatchObject({ line: 3, column: 'location_ids', value: '5100001', message: 'is already listed for partner A' });
    expect((await state()).aliases).toBe(0);
  });

  it('imports a folder in the order of the specification, all or nothing', async () => {
    expect(planDirectory(['support-plans.csv', 'revenue-b.csv', 'notes.csv', 'security-score.jsonl', 'partners.csv', 'revenue-a.csv', 'fx-rates.csv', 'security.csv']).plan.map((p) => p.name)).toEqual([
      'partners.csv',
      'fx-rates.csv',
      'revenue-a.csv',
      'revenue-b.csv',
      'security.csv',
      'security-score.jsonl',
      'support-plans.csv',
    ]);
    const { summaries } = await importDirectory(store, SAMPLE_DIR, options);
    expect(summaries.map((s) => `${s.kind}:${s.format}`)).toEqual([
      'partners:canonical',
      'fx-rates:canonical',
      'revenue:partner-center',
      'revenue:canonical',
      'assessments:canonical',
      'security:canonical',
      'security:graph-security-score',
      'support-plans:canonical',
    ]);
    expect(summaries[0]!.encoding).toBe('shift_jis');
    expect(summaries.every((s) => s.status === 'imported')).toBe(true);
  });

  it('a folder with one bad file imports nothing at all, and the command exits 2 naming the file', async () => {
    const dir = temp.dir;
    file('partners.csv', `${PARTNERS_HEADER}\nA,Alpha,2020-01-01,a@example.com,,en,,,,\n`);
    file('support-plans.csv', 'partner_id,plan,term_start,term_end\nA,Gold,2025-11-01,2026-10-31\n');
    const result = await runCli(['import', dir], { DATABASE_URL: temp.databaseUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/support-plans\.csv:2 column plan value "Gold": is not one of ASfP, PSfP/);
    expect(result.stderr).toMatch(/nothing from .* was imported/);
    expect(await state()).toMatchObject({ partners: 0, batches: 0 });
  });

  it('exits 2 for an unknown kind or a missing file', async () => {
    expect((await runCli(['import', 'invoices', 'x.csv'], { DATABASE_URL: temp.databaseUrl })).code).toBe(2);
    const missing = await runCli(['import', 'revenue', path.join(temp.dir, 'nope.csv')], { DATABASE_URL: temp.databaseUrl });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.csv: no such file/);
  });
});
