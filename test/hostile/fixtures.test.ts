import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EncodingChoice } from '../../src/import/csv-source.js';
import { importDirectory, type ImportKind } from '../../src/import/index.js';
import type { TempStore } from '../helpers/temp-store.js';
import { GENERATED, type GeneratedFixture, PAST_CHUNK_LINE } from './generated-fixtures.js';
import {
  batchRows,
  createBaselineStore,
  databaseContents,
  expectRejected,
  FIXTURES_DIR,
  IMPORT_OPTIONS,
  type Importer,
  SOURCE_IMPORTER,
  tryImport,
  workerImporter,
  writeFile,
} from './support.js';

/** A file name in test/fixtures, or a generated fixture. */
type Source = { file: string } | { generated: GeneratedFixture };

/** One problem: line, column ('' for the whole line or file), and the reason. */
type Problem = [number, string, RegExp];

interface RejectedCase {
  source: Source;
  kind: ImportKind;
  encoding?: EncodingChoice;
  /** Every problem, in order. */
  problems: Problem[];
}

/** The same problem on each line from `from` to `to`. */
const onLines = (from: number, to: number, column: string, reason: RegExp): Problem[] =>
  Array.from({ length: to - from + 1 }, (_, i): Problem => [from + i, column, reason]);

interface ImportedCase {
  source: Source;
  kind: ImportKind;
  table: string;
  columns: string;
  rows: Array<Record<string, unknown>>;
  encoding?: 'utf8' | 'shift_jis';
}

const LINE_BREAK = /contains a line break or control character/;
const TOO_LARGE = /is larger than 999,999,999,999/;
const NOT_REAL = /is not a real calendar date/;
const NOT_ISO = /is not a date as YYYY-MM-DD/;
const FORMULA = /looks like a spreadsheet formula, not a number/;
const MIXED = /the file is Shift_JIS but this line is UTF-8 \(mixed encodings/;

const file = (name: string): Source => ({ file: name });
const generated = (name: GeneratedFixture): Source => ({ generated: name });

/** A partners file that must import as exactly these ids and names, in file order. */
const partnersNamed = (source: Source, rows: Array<[string, string]>, encoding?: ImportedCase['encoding']): ImportedCase => ({
  source,
  kind: 'partners',
  table: 'partners',
  columns: 'partner_id, partner_name',
  rows: rows.map(([partner_id, partner_name]) => ({ partner_id, partner_name })),
  ...(encoding ? { encoding } : {}),
});

const REJECTED: RejectedCase[] = [
  { source: file('truncated-quote.partners.csv'), kind: 'partners', problems: [[3, '', /a quoted field is never closed \(the file may be truncated\)/]] },
  { source: file('stray-quote.partners.csv'), kind: 'partners', problems: [[2, '', /a quote is misplaced/]] },
  { source: file('quote-inside-field.partners.csv'), kind: 'partners', problems: [[4, '', /^cannot read CSV: a quote is misplaced: a field with a quote in it must be quoted whole/]] },
  { source: file('duplicate-header.partners.csv'), kind: 'partners', problems: [[1, '', /the header names Partner_ID more than once/]] },
  {
    source: file('formula-amounts.revenue.csv'),
    kind: 'revenue',
    problems: [...onLines(2, 4, 'amount', FORMULA), [5, 'amount', /is not a decimal number/], [6, 'amount', FORMULA]],
  },
  {
    source: file('huge-numbers.revenue.csv'),
    kind: 'revenue',
    problems: [...onLines(2, 4, 'amount', TOO_LARGE), [5, 'amount', /has more than 6 decimal places/]],
  },
  {
    source: file('huge-counts.security.csv'),
    kind: 'security',
    problems: [
      [2, 'admin_users', /is implausibly large/],
      [3, 'admin_users', /is implausibly large/],
      [4, 'admin_users_with_mfa', /is not a whole number ≥ 0/],
    ],
  },
  {
    source: file('negative-zero.fx-rates.csv'),
    kind: 'fx-rates',
    problems: onLines(2, 3, 'usd_per_unit', /must be greater than 0/),
  },
  {
    source: file('impossible-dates.revenue.csv'),
    kind: 'revenue',
    problems: [...onLines(2, 6, 'charge_date', NOT_REAL), ...onLines(7, 11, 'charge_date', NOT_ISO)],
  },
  {
    source: file('excel-serial-dates.revenue.csv'),
    kind: 'revenue',
    problems: [
      [2, 'charge_date', /looks like a spreadsheet serial number; expected a date as YYYY-MM-DD/],
      [3, 'charge_date', /looks like a spreadsheet serial number/],
    ],
  },
  { source: file('excel-serial-dates.security.csv'), kind: 'security', problems: [[2, 'as_of', /looks like a spreadsheet serial number/]] },
  {
    source: file('thousands-separators.revenue.csv'),
    kind: 'revenue',
    problems: [
      [2, 'amount', /has thousands separators; write the number without them/],
      [3, 'amount', /has thousands separators/],
      [4, 'amount', /has thousands separators/],
      [5, 'amount', /uses a comma as decimal point; use a dot/],
      [6, 'amount', /is not a decimal number/],
      [7, 'amount', /is not a decimal number/],
      [8, 'amount', /is in exponent notation/],
      [9, 'amount', /is in accounting notation/],
    ],
  },
  {
    source: file('header-injection.partners.csv'),
    kind: 'partners',
    problems: [
      [2, 'partner_name', LINE_BREAK],
      [4, 'partner_name', LINE_BREAK],
      [5, 'notice_to', LINE_BREAK],
      [7, 'notice_cc', LINE_BREAK],
      [9, 'notice_to', /is not a well-formed email address/],
      [10, 'notice_to', /is not a well-formed email address/],
    ],
  },
  {
    source: file('unicode-line-breaks.partners.csv'),
    kind: 'partners',
    problems: onLines(2, 5, 'partner_name', LINE_BREAK),
  },
  {
    source: file('ragged-rows.partners.csv'),
    kind: 'partners',
    problems: [
      [2, '', /has 5 fields; the header has 4/],
      [3, '', /has 3 fields; the header has 4/],
    ],
  },
  { source: file('empty.partners.csv'), kind: 'partners', problems: [[0, '', /the file is empty: it has no header row/]] },
  { source: file('bom-only.partners.csv'), kind: 'partners', problems: [[0, '', /the file is empty/]] },
  { source: file('tab-separated.partners.csv'), kind: 'partners', problems: [[1, '', /lacks the required columns partner_id, partner_name, onboarded_on, notice_to/]] },
  { source: generated('oneMegabyteField'), kind: 'partners', problems: [[3, '', /a record is longer than 262144 characters/]] },
  { source: generated('oneMegabyteQuotedField'), kind: 'partners', problems: [[3, '', /a record is longer than 262144 characters/]] },
  { source: generated('nulInField'), kind: 'partners', problems: [[3, '', /contains a NUL byte: it is not a text CSV file/]] },
  { source: generated('utf16le'), kind: 'partners', problems: [[1, '', /NUL byte.*UTF-16 is not supported/]] },
  { source: generated('utf8ThenShiftJis'), kind: 'partners', problems: [[2, '', MIXED]] },
  { source: generated('shiftJisThenCleanUtf8'), kind: 'partners', problems: [[3, '', MIXED]] },
  { source: generated('shiftJisAfterUtf8Head'), kind: 'partners', problems: [[PAST_CHUNK_LINE, '', /not valid UTF-8 on this line, though the text before it is: the file mixes two encodings.*no --encoding reads/]] },
  { source: generated('utf8AfterShiftJisHead'), kind: 'partners', problems: [[PAST_CHUNK_LINE, '', MIXED]] },
  { source: generated('utf8AfterShiftJisHeadCrOnly'), kind: 'partners', problems: [[PAST_CHUNK_LINE, '', MIXED]] },
  { source: generated('nulAfterFirstChunkCrOnly'), kind: 'partners', problems: [[PAST_CHUNK_LINE, '', /contains a NUL byte/]] },
  { source: generated('nulAfterSplitCrlf'), kind: 'partners', problems: [[nulAfterSplitCrlfLine(), '', /contains a NUL byte/]] },
  { source: generated('truncatedUtf8'), kind: 'partners', problems: [[2, '', /the file is not valid UTF-8 on this line/]] },
  { source: generated('truncatedUtf8OnlyNonAscii'), kind: 'partners', problems: [[2, '', /the file is not valid UTF-8 on this line/]] },
  { source: generated('invalidShiftJisByte'), kind: 'partners', problems: [[3, '', /not valid Shift_JIS on this line/]] },
  { source: generated('utf8ThenShiftJis'), kind: 'partners', encoding: 'utf8', problems: [[3, '', /not valid UTF-8 on this line/]] },
];

const IMPORTED: ImportedCase[] = [
  {
    source: file('duplicate-unknown-header.fx-rates.csv'),
    kind: 'fx-rates',
    table: 'fx_rates',
    columns: 'currency, month, usd_per_unit',
    rows: [
      { currency: 'JPY', month: '2026-01', usd_per_unit: '0.0066' },
      { currency: 'EUR', month: '2026-01', usd_per_unit: '1.08' },
    ],
  },
  partnersNamed(file('formula-names.partners.csv'), [
    ['=1+1', '=HYPERLINK("http://x","y")'],
    ['P201', '+1'],
    ['P202', '-1+1'],
    ['P203', '@SUM(A1)'],
    ['P204', "=cmd|' /C calc'!A0"],
    ['P205', '＝１＋１'],
  ]),
  {
    source: file('largest-amounts.revenue.csv'),
    kind: 'revenue',
    table: 'revenue_lines',
    columns: 'partner_id, transaction_id, amount_micro, currency',
    rows: [
      { partner_id: 'P1', transaction_id: 'T-MAX', amount_micro: 999_999_999_999_999_999n, currency: 'USD' },
      { partner_id: 'P2', transaction_id: 'T-MIN', amount_micro: -999_999_999_999_999_999n, currency: 'USD' },
      { partner_id: 'P3', transaction_id: 'T-TINY', amount_micro: 1n, currency: 'USD' },
      { partner_id: 'P3', transaction_id: 'T-TINY-CREDIT', amount_micro: -1n, currency: 'USD' },
      { partner_id: 'P4', transaction_id: 'T-PAST-SAFE-INTEGER', amount_micro: 9_007_199_254_740_993n, currency: 'USD' },
      { partner_id: 'P4', transaction_id: 'T-TRAILING-ZEROS', amount_micro: 1_500_000n, currency: 'JPY' },
    ],
  },
  {
    source: file('negative-zero.revenue.csv'),
    kind: 'revenue',
    table: 'revenue_lines',
    columns: 'transaction_id, amount_micro',
    rows: ['Z1', 'Z2', 'Z3', 'Z4'].map((id) => ({ transaction_id: id, amount_micro: 0n })),
  },
  {
    source: file('negative-zero.assessments.csv'),
    kind: 'assessments',
    table: 'assessments',
    columns: 'capability, score',
    rows: [
      { capability: 'pipeline', score: '0' },
      { capability: 'mfa', score: '0' },
      { capability: 'desk', score: '100' },
    ],
  },
  { source: file('header-only.partners.csv'), kind: 'partners', table: 'partners', columns: 'partner_id', rows: [] },
  partnersNamed(file('path-traversal-ids.partners.csv'), [
    ['../../etc/passwd', 'Traversal Unix'],
    ['..\\..\\windows\\win.ini', 'Traversal Windows'],
    ['/etc/shadow', 'Absolute'],
  ]),
  partnersNamed(
    generated('cp932'),
    ['株式会社さくらクラウド', 'ｶﾌﾞｼｷｶﾞｲｼｬ ﾃｽ', '髙橋商事①', '～－＝＋合同会社', '引用, "符"'].map((name, i) => [`J${i}`, name]),
    'shift_jis',
  ),
  partnersNamed(
    generated('utf8Bom'),
    [
      ['E1', 'Smith, "The" Partner 🚀'],
      ['E2', '合同会社テスト👩‍💻'],
    ],
    'utf8',
  ),
];

/** The physical line of the NUL row in `nulAfterSplitCrlf`, counted the way an editor would. */
function nulAfterSplitCrlfLine(): number {
  const text = GENERATED.nulAfterSplitCrlf().toString('utf8');
  return 1 + (text.slice(0, text.indexOf('\u0000')).match(/\r\n|\r|\n/g)?.length ?? 0);
}

const label = (source: Source) => ('file' in source ? source.file : `${source.generated} (generated)`);

const READERS: Array<[string, () => Promise<Importer>]> = [
  ['in this thread', async () => SOURCE_IMPORTER],
  ['in a worker thread (dist/)', workerImporter],
];

describe.each(READERS)('hostile and broken input files, read %s', (_reader, importerOf) => {
  let temp: TempStore;
  let importer: Importer;
  beforeEach(async () => {
    temp = await createBaselineStore();
    importer = await importerOf();
  });
  afterEach(async () => temp.cleanup());

  const place = (source: Source) =>
    'file' in source ? path.join(FIXTURES_DIR, source.file) : writeFile(temp.dir, `${source.generated}.csv`, GENERATED[source.generated]());

  it.each(REJECTED.map((c) => [`${label(c.source)}${c.encoding ? ` --encoding ${c.encoding}` : ''}`, c] as const))(
    'rejects %s whole, naming the line and reason, and leaves the database as it was',
    async (_name, c) => {
      const target = place(c.source);
      const error = await expectRejected(temp, c.kind, target, c.encoding ? { encoding: c.encoding } : {}, importer);
      expect(error.problems.map((p) => [p.line, p.column])).toEqual(c.problems.map(([line, column]) => [line, column]));
      c.problems.forEach(([, , reason], i) => expect(error.problems[i]!.message).toMatch(reason));
      expect(error.totalProblems).toBe(c.problems.length);
      expect(error.message).toContain(path.basename(target));
    },
  );

  it.each(IMPORTED.map((c) => [label(c.source), c] as const))('imports %s exactly', async (_name, c) => {
    const before = databaseContents(temp);
    const outcome = await tryImport(temp, c.kind, place(c.source), {}, importer);
    expect(outcome.rejected?.message).toBeUndefined();
    const summary = outcome.summary!;
    expect(summary).toMatchObject({ status: 'imported', rowsRead: c.rows.length });
    if (c.encoding) expect(summary.encoding).toBe(c.encoding);
    expect(batchRows(temp, c.table, c.columns, summary.batchId)).toEqual(c.rows);
    if (c.rows.length === 0) expect({ ...databaseContents(temp), import_batches: [] }).toEqual({ ...before, import_batches: [] });
  });
});

describe('hostile input files, beyond one import', () => {
  let temp: TempStore;
  beforeEach(async () => {
    temp = await createBaselineStore();
  });
  afterEach(async () => temp.cleanup());

  it('keeps revenue totals exact past 2^53 micro-units and at zero for negative zeros', async () => {
    await tryImport(temp, 'revenue', path.join(FIXTURES_DIR, 'largest-amounts.revenue.csv'));
    await tryImport(temp, 'revenue', path.join(FIXTURES_DIR, 'negative-zero.revenue.csv'));
    const totals = temp.store
      .sqlite!.prepare("SELECT partner_id, month, currency, amount_micro, lines FROM revenue_totals WHERE partner_id IN ('P1', 'P2', 'P3', 'P4') ORDER BY partner_id, month, currency")
      .safeIntegers(true)
      .all();
    expect(totals).toEqual([
      { partner_id: 'P1', month: '2026-01', currency: 'USD', amount_micro: 999_999_999_999_999_999n, lines: 5n },
      { partner_id: 'P2', month: '2026-01', currency: 'USD', amount_micro: -999_999_999_999_999_999n, lines: 1n },
      { partner_id: 'P3', month: '2026-01', currency: 'USD', amount_micro: 1n, lines: 1n },
      { partner_id: 'P3', month: '2026-02', currency: 'USD', amount_micro: -1n, lines: 1n },
      { partner_id: 'P4', month: '2026-01', currency: 'JPY', amount_micro: 1_500_000n, lines: 1n },
      { partner_id: 'P4', month: '2026-01', currency: 'USD', amount_micro: 9_007_199_254_740_993n, lines: 1n },
    ]);
  });

  it('rejects a folder whole when one of its files is hostile: the good files before it are not kept', async () => {
    const before = databaseContents(temp);
    writeFile(temp.dir, 'partners.csv', readFileSync(path.join(FIXTURES_DIR, 'formula-names.partners.csv')));
    writeFile(temp.dir, 'revenue.csv', readFileSync(path.join(FIXTURES_DIR, 'thousands-separators.revenue.csv')));
    await expect(importDirectory(temp.store, temp.dir, IMPORT_OPTIONS)).rejects.toThrow(/nothing from .* was imported/);
    expect(databaseContents(temp)).toEqual(before);
  });
});
