import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/database.js';
import { ImportRejected, type RowProblem, UsageError } from '../errors.js';
import { type Encoding, type EncodingChoice, sha256OfFile } from './csv-source.js';
import { type ImportKind, type KindSpec, PARTNERS, type RevenueFormat, specFor, type TableSpec } from './kinds.js';
import { type FileRows, openFileRows } from './read-source.js';
import { LISTED_PROBLEMS, type LineProblem } from './row-reader.js';
import { createProgress } from './progress.js';
import { RevenueTotals, TOTALS_WIDTH } from './totals.js';
import { type ImportTx, withImportTransaction } from './writer.js';

export interface ImportOptions {
  now: () => Date;
  /** A terminal to draw progress on, or null to stay quiet. */
  progress: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  /** Revenue only; without it a Partner Center export is recognised by its header. */
  format?: RevenueFormat;
  encoding?: EncodingChoice;
  /** Files at least this large are read in a worker thread (default 8 MiB). */
  workerMinBytes?: number;
  /** Aborting stops the import between chunks of rows; its transaction rolls back. */
  signal?: AbortSignal;
}

export interface UnmatchedRow {
  line: number;
  mpnId: string | null;
  tenantId: string | null;
}

export interface ImportSummary {
  file: string;
  kind: ImportKind;
  format: RevenueFormat;
  encoding: Encoding | null;
  /** `unchanged`: the same file (by sha256) was imported before; nothing was done. */
  status: 'imported' | 'unchanged';
  batchId: number;
  rowsRead: number;
  inserted: number;
  replaced: number;
  /** Partner Center rows whose partner could not be found. */
  skipped: number;
  unmatched: UnmatchedRow[];
  warnings: string[];
  millis: number;
  /** Whether the file was parsed in a worker thread beside the inserts. */
  readInWorker: boolean;
  importedBefore?: string;
}

const LISTED_UNMATCHED = 20;

/** Imports one file, all or nothing. */
export async function importFile(store: Store, kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
  assertReadable(file);
  return withImportTransaction(store, (tx) => importInto(tx, kind, file, options));
}

/** The files of a folder, in the order that lets each refer to the ones before (SPEC §5). */
export function planDirectory(names: readonly string[]): { plan: Array<{ kind: ImportKind; name: string }>; ignored: string[] } {
  const byLower = new Map(names.map((name) => [name.toLowerCase(), name]));
  const plan: Array<{ kind: ImportKind; name: string }> = [];
  const take = (kind: ImportKind, lower: string) => {
    const name = byLower.get(lower);
    if (name !== undefined) plan.push({ kind, name });
  };
  take('partners', 'partners.csv');
  take('fx-rates', 'fx-rates.csv');
  for (const lower of [...byLower.keys()].filter((n) => /^revenue.*\.csv$/.test(n)).sort()) take('revenue', lower);
  take('assessments', 'assessments.csv');
  take('security', 'security.csv');
  take('support-plans', 'support-plans.csv');
  const planned = new Set(plan.map((entry) => entry.name));
  const ignored = names.filter((name) => name.toLowerCase().endsWith('.csv') && !planned.has(name));
  return { plan, ignored };
}

/**
 * Imports every known file of a folder in one transaction: if any file is rejected, every file is
 * checked still (so one attempt reports all the problems) and then nothing at all is kept.
 */
export async function importDirectory(
  store: Store,
  dir: string,
  options: ImportOptions,
): Promise<{ summaries: ImportSummary[]; ignored: string[] }> {
  const { plan, ignored } = planDirectory(readdirSync(dir));
  if (plan.length === 0) {
    throw new UsageError(
      `${dir} holds none of the known files (partners.csv, fx-rates.csv, revenue*.csv, assessments.csv, security.csv, support-plans.csv)`,
    );
  }
  const files = plan.map((entry) => ({ ...entry, file: path.join(dir, entry.name) }));
  for (const entry of files) assertReadable(entry.file);
  const summaries = await withImportTransaction(store, async (tx) => {
    const done: ImportSummary[] = [];
    const rejected: ImportRejected[] = [];
    for (const entry of files) {
      try {
        done.push(await tx.savepoint(() => importInto(tx, entry.kind, entry.file, { ...options, format: undefined })));
      } catch (error) {
        if (!(error instanceof ImportRejected)) throw error;
        rejected.push(error);
      }
    }
    if (rejected.length > 0) {
      const messages = rejected.map((error) => error.message).join('\n');
      throw new UsageError(`${messages}\nnothing from ${dir} was imported: fix the file${rejected.length > 1 ? 's' : ''} above and import the folder again`);
    }
    return done;
  });
  return { summaries, ignored };
}

function assertReadable(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${displayName(file)}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (!stats.isFile()) throw new UsageError(`${displayName(file)} is not a file`);
}

function displayName(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

interface BatchRow {
  id: number | string;
  imported_at: string;
}

async function importInto(tx: ImportTx, kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
  // The reading thread starts while the file is hashed: it is ready once the batch id is known.
  const rows = openFileRows({ file, kind, encoding: options.encoding ?? 'auto', ...(options.format ? { format: options.format } : {}) }, options.workerMinBytes);
  try {
    return await importRows(tx, kind, file, options, rows);
  } finally {
    await rows.close();
  }
}

async function importRows(tx: ImportTx, kind: ImportKind, file: string, options: ImportOptions, rows: FileRows): Promise<ImportSummary> {
  const started = Date.now();
  const name = displayName(file);
  const sha256 = await sha256OfFile(file);
  const summary: ImportSummary = {
    file: name,
    kind,
    format: options.format ?? 'canonical',
    encoding: null,
    status: 'imported',
    batchId: 0,
    rowsRead: 0,
    inserted: 0,
    replaced: 0,
    skipped: 0,
    unmatched: [],
    warnings: [],
    millis: 0,
    readInWorker: false,
  };
  const [earlier] = await tx.all<BatchRow>('SELECT id, imported_at FROM import_batches WHERE kind = ? AND sha256 = ? ORDER BY id LIMIT 1', [kind, sha256]);
  if (earlier) {
    return { ...summary, status: 'unchanged', batchId: Number(earlier.id), importedBefore: earlier.imported_at, millis: Date.now() - started };
  }

  // The batch row comes first so that every row can carry its id; a rejection rolls it back too.
  const [batch] = await tx.all<{ id: number | string }>(
    "INSERT INTO import_batches (kind, format, file_name, sha256, encoding, row_count, inserted, replaced, skipped, imported_at) VALUES (?, 'pending', ?, ?, 'pending', 0, 0, 0, 0, ?) RETURNING id",
    [kind, file, sha256, options.now().toISOString()],
  );
  const batchId = Number(batch!.id);
  summary.batchId = batchId;

  const problems = new ProblemList(name);
  const progress = options.progress?.isTTY ? createProgress(options.progress, name, statSync(file).size) : null;
  summary.readInWorker = rows.inWorker;
  let job: FileJob | null = null;
  try {
    for await (const event of rows.read(batchId)) {
      options.signal?.throwIfAborted();
      if (event.type === 'start') {
        summary.format = event.format;
        summary.encoding = event.encoding;
        job = await startJob(tx, specFor(kind, event.format), summary, problems);
        continue;
      }
      problems.addAll(event.problems, event.problemCount);
      await job!.consume(event.values, event.lines, event.rowsRead);
      progress?.update(summary.rowsRead, event.bytesRead);
    }
  } finally {
    progress?.done();
  }
  if (problems.total > 0) throw problems.rejection();
  return job!.finish(Date.now() - started);
}

class ProblemList {
  readonly listed: RowProblem[] = [];
  total = 0;
  constructor(private readonly file: string) {}

  add(line: number, column: string, value: string, message: string): void {
    this.total++;
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ file: this.file, line, column, value, message });
  }

  addAll(problems: LineProblem[], count: number): void {
    for (const p of problems) if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ file: this.file, ...p });
    this.total += count;
  }

  rejection(): ImportRejected {
    return new ImportRejected(this.file, this.listed, this.total);
  }
}

interface FileJob {
  consume(values: unknown[], lines: number[], rowsRead: number): Promise<void>;
  finish(millis: number): Promise<ImportSummary>;
}

/**
 * Writes the checked rows of one file as they come, so memory stays flat; once any row is bad the
 * rest are not written, and the caller rolls back.
 */
async function startJob(tx: ImportTx, spec: KindSpec, summary: ImportSummary, problems: ProblemList): Promise<FileJob> {
  const table = spec.target.table;
  const width = spec.target.columns.length;
  // Revenue lines are counted in revenue_totals (kept exact with them, and small) rather than by
  // scanning millions of lines before and after.
  const counting = table === 'revenue_lines' ? 'SELECT coalesce(sum(lines), 0) AS n FROM revenue_totals' : `SELECT count(*) AS n FROM ${table}`;
  const countRows = async () => Number((await tx.all<{ n: number | string }>(counting))[0]?.n ?? 0);
  const before = await countRows();
  const hooks = await hooksFor(tx, spec, summary.batchId, summary, problems);
  let written = 0;

  return {
    async consume(values, lines, rowsRead) {
      summary.rowsRead += rowsRead;
      if (problems.total > 0 || lines.length === 0) return;
      if (hooks.accept) [values, lines] = keepAccepted(values, lines, width, hooks.accept);
      if (lines.length === 0) return;
      hooks.observe?.(values, lines.length, width);
      await hooks.beforeWrite?.();
      await tx.insertRows(spec.target, values);
      written += lines.length;
      await hooks.afterWrite?.(values, lines);
    },
    async finish(millis) {
      await hooks.beforeFinish?.();
      const after = await countRows();
      const removed = hooks.removed?.() ?? 0;
      summary.inserted = after - before + removed;
      summary.replaced = written - summary.inserted + removed;
      summary.millis = millis;
      await tx.run('UPDATE import_batches SET format = ?, encoding = ?, row_count = ?, inserted = ?, replaced = ?, skipped = ? WHERE id = ?', [
        summary.format,
        summary.encoding,
        summary.rowsRead,
        summary.inserted,
        summary.replaced,
        summary.skipped,
        summary.batchId,
      ]);
      return summary;
    },
  };
}

/** The rows `accept` keeps (it may rewrite them in place), still flat; the same arrays when it keeps all. */
function keepAccepted(
  values: unknown[],
  lines: number[],
  width: number,
  accept: (values: unknown[], offset: number, line: number) => boolean,
): [unknown[], number[]] {
  let kept: unknown[] | null = null;
  let keptLines: number[] | null = null;
  for (let row = 0; row < lines.length; row++) {
    const ok = accept(values, row * width, lines[row]!);
    if (!ok && kept === null) {
      kept = values.slice(0, row * width);
      keptLines = lines.slice(0, row);
    } else if (ok && kept !== null) {
      for (let c = 0; c < width; c++) kept.push(values[row * width + c]);
      keptLines!.push(lines[row]!);
    }
  }
  return kept === null ? [values, lines] : [kept, keptLines!];
}

interface KindHooks {
  /** False drops the row at `offset` (counted by the hook); may rewrite its values in place. */
  accept?(values: unknown[], offset: number, line: number): boolean;
  /** Sees every row about to be written, `rows` rows of `width` values, in one call per batch. */
  observe?(values: unknown[], rows: number, width: number): void;
  beforeWrite?(): Promise<void>;
  afterWrite?(values: unknown[], lines: number[]): Promise<void>;
  beforeFinish?(): Promise<void>;
  /** Rows of earlier imports this file removed (Partner Center invoices it replaces). */
  removed?(): number;
}

async function hooksFor(tx: ImportTx, spec: KindSpec, batchId: number, summary: ImportSummary, problems: ProblemList): Promise<KindHooks> {
  if (spec.kind === 'partners') return partnerHooks(tx, problems);
  if (spec.kind !== 'revenue') return {};
  const totals = new RevenueTotals();
  const source = spec.format === 'partner-center' ? await partnerCenterHooks(tx, batchId, summary) : await revenueHooks(tx, summary, totals);
  return {
    ...source,
    observe(values, rows, width) {
      source.observe?.(values, rows, width);
      totals.addRows(values, rows, width);
    },
    async beforeFinish() {
      await source.beforeFinish?.();
      await writeTotals(tx, summary.file, totals.rows());
    },
  };
}

const TOTALS_TARGET: TableSpec = {
  table: 'revenue_totals',
  columns: ['partner_id', 'month', 'currency', 'amount_micro', 'lines'],
  conflict: ['partner_id', 'month', 'currency'],
  onConflict: { amount_micro: 'revenue_totals.amount_micro + excluded.amount_micro', lines: 'revenue_totals.lines + excluded.lines' },
};

/**
 * Writes what the imported lines add to revenue_totals (the triggers on revenue_lines take out what
 * upserts and deletes remove). A sum beyond 64 bits refuses the file, naming where it overflows.
 */
async function writeTotals(tx: ImportTx, file: string, values: unknown[]): Promise<void> {
  // A sum kept as a number is a safe integer; only one kept as BigInt can be too large.
  for (let offset = 0; offset < values.length; offset += TOTALS_WIDTH) {
    const total = values[offset + 3];
    if (typeof total === 'bigint' && (total > INT64_MAX || total < -INT64_MAX)) throw totalTooLarge(file, values[offset] as string, values[offset + 1] as string, values[offset + 2] as string);
  }
  try {
    if (values.length > 0) await tx.insertRows(TOTALS_TARGET, values);
  } catch (error) {
    // PostgreSQL refuses a bigint that overflows: numeric_value_out_of_range.
    if ((error as { code?: string }).code === '22003') throw totalTooLarge(file, 'one of the partners', 'a month', 'one currency');
    throw error;
  }
  // SQLite does not refuse an overflowing sum: it turns it into an inexact floating-point number.
  if (tx.engine === 'sqlite') {
    const [inexact] = await tx.all<{ partner_id: string; month: string; currency: string }>(
      "SELECT partner_id, month, currency FROM revenue_totals WHERE typeof(amount_micro) <> 'integer' LIMIT 1",
    );
    if (inexact) throw totalTooLarge(file, inexact.partner_id, inexact.month, inexact.currency);
  }
  await tx.run('DELETE FROM revenue_totals WHERE lines = 0');
}

const INT64_MAX = 2n ** 63n - 1n;

/** A month's revenue too large to keep exact in 64-bit micro-units (about 9.2 trillion of a currency). */
function totalTooLarge(file: string, partnerId: string, month: string, currency: string): ImportRejected {
  return new ImportRejected(file, [
    {
      file,
      line: 0,
      column: '',
      value: '',
      message: `the revenue of ${partnerId} dated in ${month} in ${currency} would add up to more than 9,223,372,036,854 units, which cannot be kept exact; check the amounts`,
    },
  ], 1);
}

/**
 * Canonical revenue: rows for partners not (yet) imported are kept, and counted in a warning. The
 * partners are checked once each, from the sums, at the end, rather than once per line.
 */
async function revenueHooks(tx: ImportTx, summary: ImportSummary, totals: RevenueTotals): Promise<KindHooks> {
  const known = new Set((await tx.all<{ partner_id: string }>('SELECT partner_id FROM partners')).map((row) => row.partner_id));
  return {
    async beforeFinish() {
      const unknown = totals.partnerIds().filter((partnerId) => !known.has(partnerId));
      summary.warnings = unknown.length === 0 ? [] : [`${unknown.length} partner id(s) are not in the partners file: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`];
    },
  };
}

/**
 * Partner Center lines: the PGA is found by location id (MpnId) first, then by tenant id
 * (PartnerId); a line of an invoice replaces every line an earlier Partner Center import held for
 * that invoice.
 */
async function partnerCenterHooks(tx: ImportTx, batchId: number, summary: ImportSummary): Promise<KindHooks> {
  const aliases = await tx.all<{ alias_kind: string; alias: string; partner_id: string }>('SELECT alias_kind, alias, partner_id FROM partner_aliases');
  const byLocation = new Map(aliases.filter((a) => a.alias_kind === 'location').map((a) => [a.alias, a.partner_id]));
  const byTenant = new Map(aliases.filter((a) => a.alias_kind === 'tenant').map((a) => [a.alias, a.partner_id]));
  const invoices = new Set<string>();
  let pending: string[] = [];
  let removed = 0;
  return {
    accept(values, offset, line) {
      const mpnId = values[offset] as string | null;
      const tenant = values[offset + 5] as string | null;
      const partnerId = (mpnId !== null ? byLocation.get(mpnId) : undefined) ?? (tenant !== null ? byTenant.get(tenant) : undefined);
      if (partnerId === undefined) {
        summary.skipped++;
        if (summary.unmatched.length < LISTED_UNMATCHED) summary.unmatched.push({ line, mpnId, tenantId: tenant });
        return false;
      }
      values[offset] = partnerId;
      const invoice = values[offset + 6] as string;
      if (!invoices.has(invoice)) {
        invoices.add(invoice);
        pending.push(invoice);
      }
      return true;
    },
    async beforeWrite() {
      for (const invoice of pending) {
        removed += await tx.run(
          "DELETE FROM revenue_lines WHERE invoice_number = ? AND transaction_id IS NULL AND batch_id <> ? AND batch_id IN (SELECT id FROM import_batches WHERE format = 'partner-center')",
          [invoice, batchId],
        );
      }
      pending = [];
    },
    removed: () => removed,
  };
}

/** Partners: their tenant and location ids become the aliases Partner Center lines are matched by. */
async function partnerHooks(tx: ImportTx, problems: ProblemList): Promise<KindHooks> {
  const width = PARTNERS.target.columns.length;
  return {
    async afterWrite(values, lines) {
      for (let row = 0; row < lines.length; row++) {
        const [partnerId, , , , , , , tenants, locations] = values.slice(row * width, (row + 1) * width) as string[];
        await tx.run('DELETE FROM partner_aliases WHERE partner_id = ?', [partnerId]);
        const wanted = [
          ...split(tenants!).map((alias) => ({ kind: 'tenant', column: 'tenant_ids', alias })),
          ...split(locations!).map((alias) => ({ kind: 'location', column: 'location_ids', alias })),
        ];
        for (const { kind, column, alias } of wanted) {
          const [owner] = await tx.all<{ partner_id: string }>('SELECT partner_id FROM partner_aliases WHERE alias_kind = ? AND alias = ?', [kind, alias]);
          if (owner && owner.partner_id !== partnerId) {
            problems.add(lines[row]!, column, alias, `is already listed for partner ${owner.partner_id}`);
            continue;
          }
          if (!owner) await tx.run('INSERT INTO partner_aliases (alias_kind, alias, partner_id) VALUES (?, ?, ?)', [kind, alias, partnerId]);
        }
      }
    },
  };
}

function split(list: string): string[] {
  return list === '' ? [] : list.split(';');
}

export function formatSummary(summary: ImportSummary): string {
  if (summary.status === 'unchanged') {
    return `${summary.file}: already imported on ${summary.importedBefore} (batch ${summary.batchId}, same content); nothing changed`;
  }
  const encoding = summary.encoding === 'shift_jis' ? 'Shift_JIS' : 'UTF-8';
  const parts = [`${n(summary.rowsRead)} rows read`, `${n(summary.inserted)} inserted`, `${n(summary.replaced)} replaced`];
  if (summary.format === 'partner-center') parts.push(`${n(summary.skipped)} unmatched (not imported)`);
  const lines = [
    `${summary.file}: ${summary.kind}${summary.format === 'partner-center' ? ' (Partner Center export)' : ''}, ${encoding} — ${parts.join(', ')} in ${(summary.millis / 1000).toFixed(2)} s`,
  ];
  for (const row of summary.unmatched) {
    const ids = [row.mpnId ? `MpnId ${row.mpnId}` : null, row.tenantId ? `PartnerId ${row.tenantId}` : null].filter(Boolean).join(', ');
    lines.push(`  line ${row.line}: no partner has ${ids}`);
  }
  if (summary.skipped > summary.unmatched.length) lines.push(`  … and ${n(summary.skipped - summary.unmatched.length)} more unmatched rows`);
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);
  return lines.join('\n');
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}
