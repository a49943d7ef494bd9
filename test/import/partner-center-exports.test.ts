import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import {
  DAILY_RATED_USAGE_COLUMNS,
  exportWithColumns,
  LEGACY_LICENSE_BASED_COLUMNS,
  LEGACY_USAGE_BASED_COLUMNS,
  PARTNERS_CSV,
  PGA,
  RECONCILIATION_COLUMNS,
  reconciliationCsv,
  reconciliationLine,
  type ReconciliationLine,
} from '../helpers/partner-center.js';

/** Partner Center exports as people download them and pass them around, imported through the command line. */
describe.each(ENGINES)('Partner Center exports as they come, on %s', (engine) => {
  let temp: TestDatabase;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    expect((await cli('import', 'partners', write('partners.csv', PARTNERS_CSV))).code).toBe(0);
  });
  afterEach(async () => temp.cleanup());

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(temp.dir, name);
    writeFileSync(file, content);
    return file;
  };
  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: temp.databaseUrl });
  const importExport = (name: string, lines: ReconciliationLine[]) => cli('import', 'revenue', write(name, reconciliationCsv(lines)));
  const lines = () =>
    temp.query<{ invoice_number: string; charge_date: string; amount_micro: string }>(
      'select invoice_number, charge_date, cast(amount_micro as text) as amount_micro from revenue_lines order by id',
    );
  const revenueState = async () => ({ lines: await lines(), batches: await temp.query('select id from import_batches order by id') });

  it('reads every date form of a passed-around export, an offset to its UTC day', async () => {
    const dated = (n: number, ChargeStartDate: string) => reconciliationLine({ InvoiceNumber: `G00${n}`, ChargeStartDate });
    const result = await importExport('dates.csv', [
      dated(1, '9/30/2025'),
      dated(2, '9/30/2025 12:00:00 AM'),
      dated(3, '9/30/2025 11:59:59 PM'),
      dated(4, '2025-09-30'),
      dated(5, '2025-09-30T20:00:00Z'),
      dated(6, '2025-09-30T20:00:00-04:00'),
      dated(7, '2025-10-01T08:00:00+09:00'),
      dated(8, '2025/9/30'),
      dated(9, '2025/10/1 0:00'),
      dated(10, "'9/30/2025"),
    ]);
    expect(result.stderr).toMatch(/10 rows read, 10 inserted/);
    expect(result.code).toBe(0);
    expect((await lines()).map((line) => `${line.invoice_number} ${line.charge_date}`)).toEqual([
      'G001 2025-09-30',
      'G002 2025-09-30',
      'G003 2025-09-30',
      'G004 2025-09-30',
      'G005 2025-09-30',
      // 20:00 four hours behind UTC is midnight past in UTC: the charge belongs to October.
      'G006 2025-10-01',
      'G007 2025-09-30',
      'G008 2025-09-30',
      'G009 2025-10-01',
      'G0010 2025-09-30',
    ]);
  });

  it('refuses an impossible date or time, naming the line and column, and changes nothing', async () => {
    const before = await revenueState();
    const result = await importExport('bad-dates.csv', [
      reconciliationLine({ ChargeStartDate: '2/30/2025' }),
      reconciliationLine({ ChargeStartDate: '2025/13/1' }),
      reconciliationLine({ ChargeStartDate: '2025-09-30T24:30:00Z' }),
      reconciliationLine({ ChargeStartDate: '2025-09-30T20:00:00+15:00' }),
      reconciliationLine({ ChargeStartDate: '', OrderDate: '46027' }),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bad-dates.csv:2 column ChargeStartDate value "2/30/2025": is not a real calendar date');
    expect(result.stderr).toContain('bad-dates.csv:3 column ChargeStartDate value "2025/13/1": is not a real calendar date');
    expect(result.stderr).toContain('bad-dates.csv:4 column ChargeStartDate value "2025-09-30T24:30:00Z": is not a real time of day');
    expect(result.stderr).toContain('bad-dates.csv:5 column ChargeStartDate value "2025-09-30T20:00:00+15:00": has an impossible UTC offset');
    expect(result.stderr).toContain('bad-dates.csv:6 column OrderDate value "46027": looks like a spreadsheet serial number');
    expect(await revenueState()).toEqual(before);
  });

  it('converts exponent notation exactly and strips a text-guard apostrophe', async () => {
    const amount = (n: number, Subtotal: string) => reconciliationLine({ InvoiceNumber: `G10${n}`, Subtotal });
    const result = await importExport('numbers.csv', [
      amount(1, '0E-20'),
      amount(2, '1.5E+3'),
      amount(3, '-2.5E-5'),
      amount(4, "'123.45"),
      amount(5, "'-0.000001"),
      amount(6, '9.99999999999999999E+11'),
      amount(7, '1234.567800000000000000'),
    ]);
    expect(result.code).toBe(0);
    expect((await lines()).map((line) => line.amount_micro)).toEqual(['0', '1500000000', '-25', '123450000', '-1', '999999999999999999', '1234567800']);
  });

  it('refuses thousands separators and amounts finer than a millionth, naming each line, and changes nothing', async () => {
    const before = await revenueState();
    const result = await importExport('spreadsheet.csv', [
      reconciliationLine({ Subtotal: '1,234.50' }),
      reconciliationLine({ Subtotal: '1.23456789E-3' }),
      reconciliationLine({ Subtotal: '0.0000001' }),
      reconciliationLine({ Subtotal: '1E+20' }),
      reconciliationLine({ Subtotal: '12,5' }),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('spreadsheet.csv:2 column Subtotal value "1,234.50": has thousands separators: export again; do not save from a spreadsheet');
    expect(result.stderr).toContain('spreadsheet.csv:3 column Subtotal value "1.23456789E-3": is 0.00123456789 written out, which has more than 6 decimal places');
    expect(result.stderr).toContain('spreadsheet.csv:4 column Subtotal value "0.0000001": has more than 6 decimal places');
    expect(result.stderr).toContain('spreadsheet.csv:5 column Subtotal value "1E+20": is 100000000000000000000 written out, which is larger than 999,999,999,999');
    expect(result.stderr).toContain('spreadsheet.csv:6 column Subtotal value "12,5": uses a comma as decimal point: export again; do not save from a spreadsheet');
    expect(await revenueState()).toEqual(before);
  });

  it('reads camelCase headers, TotalForCustomer and Tier2MpnId as the API and older exports name them', async () => {
    const camel = RECONCILIATION_COLUMNS.map((column) => (column === 'Total' ? 'totalForCustomer' : column === 'ResellerMpnId' ? 'tier2MpnId' : column.charAt(0).toLowerCase() + column.slice(1)));
    const line = reconciliationLine({ InvoiceNumber: 'G301', ChargeType: 'NEW', Subtotal: '12.34' });
    const values = Object.fromEntries(RECONCILIATION_COLUMNS.map((column, i) => [camel[i]!, line[column] ?? '']));
    const result = await cli('import', 'revenue', write('camel.csv', reconciliationCsv([values as ReconciliationLine], camel)));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/camel\.csv: revenue \(Partner Center export\)/);
    expect(await lines()).toEqual([{ invoice_number: 'G301', charge_date: '2025-09-01', amount_micro: '12340000' }]);
  });

  it('still matches the partner of a line whose ids a spreadsheet guarded with an apostrophe', async () => {
    const result = await importExport('guarded.csv', [reconciliationLine({ MpnId: `'${PGA.location}`, InvoiceNumber: "'G777", Currency: "'USD" })]);
    expect(result.code).toBe(0);
    expect(await temp.query('select partner_id, invoice_number, currency from revenue_lines')).toEqual([{ partner_id: PGA.partnerId, invoice_number: 'G777', currency: 'USD' }]);
  });

  it('skips rows of bare commas, as a spreadsheet saves rows it once formatted, and counts them', async () => {
    const text = reconciliationCsv([reconciliationLine({ InvoiceNumber: 'G201' }), reconciliationLine({ InvoiceNumber: 'G202' })]);
    const bare = ','.repeat(46);
    const [header, first, second] = text.trimEnd().split('\r\n');
    const file = write('bare-commas.csv', [header, bare, first, bare, ' , ,', second, bare, ''].join('\r\n'));
    const result = await cli('import', 'revenue', file);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/6 rows read, 2 inserted, 0 replaced, 0 unmatched \(not imported\), 4 empty rows skipped/);
    expect((await lines()).map((line) => line.invoice_number)).toEqual(['G201', 'G202']);

    const partners = await cli('import', 'partners', write('partners-bare.csv', `${PARTNERS_CSV}\n,,,,,,,,,\n,,,,,,,,,\n`));
    expect(partners.stderr).toMatch(/4 rows read, 0 inserted, 2 replaced, 2 empty rows skipped/);
    expect(partners.code).toBe(0);
  });

  it.each([
    ['a daily rated usage file', () => exportWithColumns(DAILY_RATED_USAGE_COLUMNS), /this is a Partner Center daily rated usage file.*\(it has UsageDate, MeterId, MeterCategory, BillingPreTaxTotal\); import the new commerce invoice reconciliation file instead/],
    ['a legacy license-based reconciliation file', () => exportWithColumns(LEGACY_LICENSE_BASED_COLUMNS), /this is a legacy license-based reconciliation file .*\(it has SyndicationPartnerSubscriptionNumber, DurableOfferId, TotalOtherDiscount\)/],
    ['a legacy usage-based reconciliation file', () => exportWithColumns(LEGACY_USAGE_BASED_COLUMNS), /this is a legacy usage-based reconciliation file/],
    ['an unbilled export without the InvoiceNumber column', () => exportWithColumns(RECONCILIATION_COLUMNS.filter((c) => c !== 'InvoiceNumber')), /this looks like an unbilled reconciliation export.*import the reconciliation file of an issued invoice/],
    ['an unbilled export whose invoice numbers are empty', () => reconciliationCsv([reconciliationLine({ InvoiceNumber: '' }), reconciliationLine({ InvoiceNumber: '' })]), /no line has an invoice number: this looks like an unbilled reconciliation export/],
    ['a PowerShell Export-Csv file with its #TYPE line', () => `#TYPE System.Management.Automation.PSCustomObject\r\n${exportWithColumns(RECONCILIATION_COLUMNS, {}, true)}`, /:1: the first line is PowerShell's '#TYPE …' line: the file was written by Export-Csv without -NoTypeInformation/],
    ['a semicolon-separated file', () => reconciliationCsv([reconciliationLine()]).replace(/,/g, ';'), /:1: the columns are separated by semicolons \(PartnerId;CustomerId;.*export again; do not save from a spreadsheet/],
  ])('names %s in its refusal, not a list of missing columns, and changes nothing', async (_name, content, message) => {
    const before = await revenueState();
    for (const format of [[], ['--format', 'partner-center']]) {
      const result = await cli('import', 'revenue', write('other.csv', content()), ...format);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/lacks the required column/);
    }
    expect(await revenueState()).toEqual(before);
  });

  it('names a PowerShell or semicolon-separated file of any kind', async () => {
    const quoted = PARTNERS_CSV.split('\n').map((line) => line.split(',').map((field) => `"${field}"`).join(','));
    const typeLine = await cli('import', 'partners', write('ps.csv', ['#TYPE System.Management.Automation.PSCustomObject', ...quoted, ''].join('\r\n')));
    expect(typeLine.code).toBe(2);
    expect(typeLine.stderr).toMatch(/ps\.csv:1: the first line is PowerShell's '#TYPE …' line/);
    const semicolons = await cli('import', 'support-plans', write('plans.csv', 'partner_id;plan;term_start;term_end\r\n4100001;ASfP;2025-11-01;2026-10-31\r\n'));
    expect(semicolons.code).toBe(2);
    expect(semicolons.stderr).toMatch(/plans\.csv:1: the columns are separated by semicolons \(partner_id;plan;term_start;term_end\)/);
  });

  describe('an invoice split over several files', () => {
    const part = (n: number, Subtotal: string) => reconciliationLine({ InvoiceNumber: 'G25090001', OrderId: `ORD-${n}`, Subtotal });
    const partOne = () => reconciliationCsv([part(1, '100.00'), part(2, '200.00'), part(3, '50.25'), reconciliationLine({ InvoiceNumber: 'G25090002', Subtotal: '10' })]);
    const partTwo = () => reconciliationCsv([part(4, '300.00'), part(5, '-20.00'), part(6, '0.75')]);
    const invoiceTotal = async (invoice: string) =>
      (await temp.query<{ n: string; total: string }>(`select cast(count(*) as text) as n, cast(sum(amount_micro) as text) as total from revenue_lines where invoice_number = '${invoice}'`))[0];
    const totalsMatchLines = async () =>
      expect(await temp.query('select partner_id, month, currency, cast(amount_micro as text) as amount from revenue_totals order by 1, 2, 3')).toEqual(
        await temp.query("select partner_id, substr(charge_date, 1, 7) as month, currency, cast(sum(amount_micro) as text) as amount from revenue_lines group by 1, 2, 3 order by 1, 2, 3"),
      );

    it('adds up within one folder import, and the summary replaces nothing', async () => {
      const dir = path.join(temp.dir, 'incoming');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'revenue-1.csv'), partOne());
      writeFileSync(path.join(dir, 'revenue-2.csv'), partTwo());
      const result = await cli('import', dir);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/revenue-1\.csv: .* 4 rows read, 4 inserted, 0 replaced/);
      expect(result.stderr).toMatch(/revenue-2\.csv: .* 3 rows read, 3 inserted, 0 replaced/);
      expect(result.stderr).not.toMatch(/earlier line/);
      expect(await invoiceTotal('G25090001')).toEqual({ n: '6', total: '631000000' });
      await totalsMatchLines();
    });

    it('adds up when the files are given together on the command line', async () => {
      const result = await cli('import', 'revenue', write('part-1.csv', partOne()), write('part-2.csv', partTwo()));
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/part-2\.csv: .* 3 rows read, 3 inserted, 0 replaced/);
      expect(await invoiceTotal('G25090001')).toEqual({ n: '6', total: '631000000' });
    });

    it('a later import replaces the invoice, naming it, the earlier lines and the change in its total', async () => {
      expect((await cli('import', 'revenue', write('part-1.csv', partOne()), write('part-2.csv', partTwo()))).code).toBe(0);
      const corrected = write('corrected.csv', reconciliationCsv([part(7, '600.00'), part(8, '31.005')]));
      const result = await cli('import', 'revenue', corrected);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/corrected\.csv: .* 2 rows read, 2 inserted, 6 replaced/);
      expect(result.stderr).toContain('  invoice G25090001: 6 earlier lines replaced; total USD 631.00 → 631.005 (+0.005)');
      expect(result.stderr).not.toContain('G25090002');
      expect(await invoiceTotal('G25090001')).toEqual({ n: '2', total: '631005000' });
      expect(await invoiceTotal('G25090002')).toEqual({ n: '1', total: '10000000' });
      await totalsMatchLines();

      const credited = await cli('import', 'revenue', write('credited.csv', reconciliationCsv([part(9, '-631.005')])));
      expect(credited.stderr).toContain('  invoice G25090001: 2 earlier lines replaced; total USD 631.005 → -631.005 (-1262.01)');
    });

    it('a folder imported again with one more part keeps the part imported before unchanged', async () => {
      const dir = path.join(temp.dir, 'incoming');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'revenue-1.csv'), partOne());
      expect((await cli('import', dir)).code).toBe(0);
      writeFileSync(path.join(dir, 'revenue-2.csv'), partTwo());
      const again = await cli('import', dir);
      expect(again.code).toBe(0);
      expect(again.stderr).toMatch(/revenue-1\.csv: already imported/);
      expect(again.stderr).toMatch(/revenue-2\.csv: .* 3 inserted, 0 replaced/);
      expect(await invoiceTotal('G25090001')).toEqual({ n: '6', total: '631000000' });
      await totalsMatchLines();
    });

    it('one bad part of several given together imports none of them', async () => {
      const before = await revenueState();
      const bad = write('part-2.csv', reconciliationCsv([part(4, '1,300.00')]));
      const result = await cli('import', 'revenue', write('part-1.csv', partOne()), bad);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/part-2\.csv:2 column Subtotal .* thousands separators/);
      expect(result.stderr).toMatch(/nothing from these files was imported/);
      expect(await revenueState()).toEqual(before);
    });
  });
});
