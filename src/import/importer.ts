import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/database.js';
import { ImportRejected, type RowProblem, UsageError } from '../errors.js';
import { CsvSyntaxError, type Encoding, type EncodingChoice, openCsv, sha256OfFile } from './csv-source.js';
import {
  type CellProblem,
  type ImportKind,
  type KindSpec,
  looksLikePartnerCenter,
  resolveHeader,
  type RevenueFormat,
  type RowCells,
  specFor,
} from './kinds.js';
import { createProgress } from './progress.js';
import { type ImportTx, withImportTransaction } from './writer.js';

export interface ImportOptions {
  now: () => Date;
  /** A terminal to draw progress on, or null to stay quiet. */
  progress: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  /** Revenue only; without it a Partner Center export is recognised by its header. */
  format?: RevenueFormat;
  encoding?: EncodingChoice;
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
  importedBefore?: string;
}

/** How many bad rows an error lists; the count of all of them is always given. */
const LISTED_PROBLEMS = 100;
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
  };
  const [earlier] = await tx.all<BatchRow>('SELECT id, imported_at FROM import_batches WHERE kind = ? AND sha256 = ? ORDER BY id LIMIT 1', [kind, sha256]);
  if (earlier) {
    return { ...summary, status: 'unchanged', batchId: Number(earlier.id), importedBefore: earlier.imported_at, millis: Date.now() - started };
  }

  const progress = options.progress?.isTTY ? createProgress(options.progress, name, statSync(file).size) : null;
  const problems = new ProblemList(name);
  let job: FileJob | null = null;
  const source = await openCsv(file, options.encoding ?? 'auto', (bytes) => progress?.update(job?.rowsRead ?? 0, bytes));
  summary.encoding = source.encoding;

  try {
    for await (const records of source.batches()) {
      let start = 0;
      if (!job) {
        const header = records[0]!;
        job = await startJob(tx, kind, options, header.fields, summary, problems, sha256, file, options.now);
        if (!job) break;
        start = 1;
      }
      await job.consume(records, start);
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    problems.add(error.line, '', '', error.message);
  } finally {
    progress?.done();
  }
  if (!job && problems.total === 0) problems.add(0, '', '', 'the file is empty: it has no header row');
  if (problems.total > 0 || !job) throw problems.rejection();
  return job.finish(Date.now() - started);
}

class ProblemList {
  readonly listed: RowProblem[] = [];
  total = 0;
  constructor(private readonly file: string) {}

  add(line: number, column: string, value: string, message: string): void {
    this.total++;
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ file: this.file, line, column, value, message });
  }

  rejection(): ImportRejected {
    return new ImportRejected(this.file, this.listed, this.total);
  }
}

interface FileJob {
  readonly rowsRead: number;
  consume(records: Array<{ fields: string[]; line: number }>, start: number): Promise<void>;
  finish(millis: number): Promise<ImportSummary>;
}

/**
 * Checks the header and sets up the writing of one file. Rows are written as they are read, so
 * memory stays flat; once any row is bad the rest are only checked, and the caller rolls back.
 */
async function startJob(
  tx: ImportTx,
  kind: ImportKind,
  options: ImportOptions,
  header: string[],
  summary: ImportSummary,
  problems: ProblemList,
  sha256: string,
  file: string,
  now: () => Date,
): Promise<FileJob | null> {
  const format: RevenueFormat = options.format ?? (kind === 'revenue' && looksLikePartnerCenter(header) ? 'partner-center' : 'canonical');
  const spec = specFor(kind, format);
  summary.format = format;
  const resolved = resolveHeader(header, spec);
  if (resolved.problems.length > 0) {
    for (const message of resolved.problems) problems.add(1, '', '', message);
    return null;
  }

  const table = spec.target.table;
  const countRows = async () => Number((await tx.all<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
  const before = await countRows();
  const [batch] = await tx.all<{ id: number | string }>(
    'INSERT INTO import_batches (kind, format, file_name, sha256, encoding, row_count, inserted, replaced, skipped, imported_at) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, ?) RETURNING id',
    [kind, format, file, sha256, summary.encoding, now().toISOString()],
  );
  const batchId = Number(batch!.id);
  summary.batchId = batchId;

  const hooks = await hooksFor(tx, spec, batchId, summary, problems);
  const index = resolved.index;
  let record: string[] = [];
  const cells: RowCells = {
    get: (column) => {
      const i = index.get(column);
      return i === undefined ? '' : (record[i] ?? '');
    },
    has: (column) => index.has(column),
  };
  const seenKeys = spec.fileKey ? new Map<string, number>() : null;
  const cellProblems: CellProblem[] = [];
  let rowsRead = 0;
  let written = 0;

  return {
    get rowsRead() {
      return rowsRead;
    },
    async consume(records, start) {
      const rows: unknown[][] = [];
      const lines: number[] = [];
      for (let r = start; r < records.length; r++) {
        const { fields, line } = records[r]!;
        record = fields;
        rowsRead++;
        if (fields.length !== header.length) {
          problems.add(line, '', '', `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${header.length}`);
          continue;
        }
        cellProblems.length = 0;
        const values = spec.parse(cells, cellProblems);
        if (!values) {
          for (const p of cellProblems) problems.add(line, p.column, p.value, p.message);
          continue;
        }
        if (seenKeys) {
          const key = spec.fileKey!(values);
          const first = seenKeys.get(key);
          if (first !== undefined) {
            problems.add(line, spec.target.conflict!.join('+'), key, `repeats the key of line ${first}`);
            continue;
          }
          seenKeys.set(key, line);
        }
        if (problems.total > 0) continue;
        if (!hooks.accept(values, line)) continue;
        values.push(batchId);
        rows.push(values);
        lines.push(line);
      }
      if (problems.total > 0 || rows.length === 0) return;
      await hooks.beforeWrite?.();
      await tx.insertRows(spec.target, rows);
      written += rows.length;
      await hooks.afterWrite?.(rows, lines);
    },
    async finish(millis) {
      const after = await countRows();
      const removed = hooks.removed();
      summary.rowsRead = rowsRead;
      summary.inserted = after - before + removed;
      summary.replaced = written - summary.inserted + removed;
      summary.millis = millis;
      await tx.run('UPDATE import_batches SET row_count = ?, inserted = ?, replaced = ?, skipped = ? WHERE id = ?', [
        rowsRead,
        summary.inserted,
        summary.replaced,
        summary.skipped,
        batchId,
      ]);
      return summary;
    },
  };
}

interface KindHooks {
  /** False drops the row (counted by the hook); may rewrite `values` in place. */
  accept(values: unknown[], line: number): boolean;
  beforeWrite?(): Promise<void>;
  afterWrite?(rows: unknown[][], lines: number[]): Promise<void>;
  /** Rows of earlier imports this file removed (Partner Center invoices it replaces). */
  removed(): number;
}

async function hooksFor(tx: ImportTx, spec: KindSpec, batchId: number, summary: ImportSummary, problems: ProblemList): Promise<KindHooks> {
  if (spec.format === 'partner-center') return partnerCenterHooks(tx, batchId, summary);
  if (spec.kind === 'partners') return partnerHooks(tx, problems);
  if (spec.kind === 'revenue') return revenueHooks(tx, summary);
  return { accept: () => true, removed: () => 0 };
}

/** Canonical revenue: rows for partners not (yet) imported are kept, and counted in a warning. */
async function revenueHooks(tx: ImportTx, summary: ImportSummary): Promise<KindHooks> {
  const known = new Set((await tx.all<{ partner_id: string }>('SELECT partner_id FROM partners')).map((row) => row.partner_id));
  const unknown = new Set<string>();
  return {
    accept(values) {
      const partnerId = values[0] as string;
      if (!known.has(partnerId) && unknown.size < 1000) unknown.add(partnerId);
      return true;
    },
    async afterWrite() {
      summary.warnings = unknown.size === 0 ? [] : [`${unknown.size} partner id(s) are not in the partners file: ${[...unknown].slice(0, 10).join(', ')}${unknown.size > 10 ? ', …' : ''}`];
    },
    removed: () => 0,
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
    accept(values, line) {
      const mpnId = values[0] as string | null;
      const tenant = values[5] as string | null;
      const partnerId = (mpnId !== null ? byLocation.get(mpnId) : undefined) ?? (tenant !== null ? byTenant.get(tenant) : undefined);
      if (partnerId === undefined) {
        summary.skipped++;
        if (summary.unmatched.length < LISTED_UNMATCHED) summary.unmatched.push({ line, mpnId, tenantId: tenant });
        return false;
      }
      values[0] = partnerId;
      const invoice = values[6] as string;
      if (!invoices.has(invoice)) {
        invoices.add(invoice);
        pending.push(invoice);
      }
      return true;
    },
    async beforeWrite() {
      for (const invoice of pending) {
        removed += await tx.run(
          "DELETE FROM revenue_lines WHERE invoice_number = ? AND batch_id <> ? AND batch_id IN (SELECT id FROM import_batches WHERE format = 'partner-center')",
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
  return {
    accept: () => true,
    async afterWrite(rows, lines) {
      for (let i = 0; i < rows.length; i++) {
        const [partnerId, , , , , , , tenants, locations] = rows[i] as string[];
        await tx.run('DELETE FROM partner_aliases WHERE partner_id = ?', [partnerId]);
        const wanted = [
          ...split(tenants!).map((alias) => ({ kind: 'tenant', column: 'tenant_ids', alias })),
          ...split(locations!).map((alias) => ({ kind: 'location', column: 'location_ids', alias })),
        ];
        for (const { kind, column, alias } of wanted) {
          const [owner] = await tx.all<{ partner_id: string }>('SELECT partner_id FROM partner_aliases WHERE alias_kind = ? AND alias = ?', [kind, alias]);
          if (owner && owner.partner_id !== partnerId) {
            problems.add(lines[i]!, column, alias, `is already listed for partner ${owner.partner_id}`);
            continue;
          }
          if (!owner) await tx.run('INSERT INTO partner_aliases (alias_kind, alias, partner_id) VALUES (?, ?, ?)', [kind, alias, partnerId]);
        }
      }
    },
    removed: () => 0,
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
