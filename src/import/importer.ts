import { statSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/database.js';
import { ImportRejected, RowRefused, UsageError } from '../errors.js';
import { type EncodingChoice, sha256OfFile } from './csv-source.js';
import { ImportSession } from './invoices.js';
import { type FileJob, startJob } from './file-job.js';
import { type ImportFormat, type ImportKind, specFor } from './kinds.js';
import { ProblemList } from './problems.js';
import { type FileRows, openFileRows } from './read-source.js';
import { createProgress } from './progress.js';
import type { ImportSummary } from './summary.js';
import { type ImportTx, withImportTransaction } from '../db/bulk-transaction.js';
import { findImportedBatch, insertPendingBatch } from '../store/import-batches.js';

export interface ImportOptions {
  now: () => Date;
  /** A terminal to draw progress on, or null to stay quiet. */
  progress: (NodeJS.WritableStream & { isTTY?: boolean }) | null;
  /** Revenue only; without it a Partner Center export is recognised by its header. */
  format?: ImportFormat;
  encoding?: EncodingChoice;
  /** Files at least this large are read in a worker thread (default 8 MiB). */
  workerMinBytes?: number;
  /** Aborting stops the import between chunks of rows; its transaction rolls back. */
  signal?: AbortSignal;
}

/** Imports one file, all or nothing. */
export async function importFile(store: Store, kind: ImportKind, file: string, options: ImportOptions): Promise<ImportSummary> {
  const [summary] = await importFiles(store, [{ kind, file }], options);
  return summary!;
}

export interface ImportEntry {
  kind: ImportKind;
  file: string;
  /** This file's layout, when the name tells it (a folder's security-score.jsonl). */
  format?: ImportFormat;
}

/**
 * Imports files as one import, in one transaction: the lines of an invoice split over several of
 * them add up. If any file is rejected, every file is checked still (so one attempt reports all
 * the problems) and then nothing at all is kept; a single file's rejection is thrown as it is.
 *
 * The files go in without a savepoint each: on SQLite, a savepoint held open while a large file
 * replaces stored lines made that import ten times slower and its memory grow past a gigabyte.
 * Only when a file is rejected is the import done again, each file in a savepoint of its own, so
 * that the files after it are checked against what the good ones wrote.
 */
export async function importFiles(store: Store, entries: readonly ImportEntry[], options: ImportOptions, scope = 'these files'): Promise<ImportSummary[]> {
  for (const entry of entries) assertReadable(entry.file);
  try {
    return await importTogether(store, entries, options, scope, false);
  } catch (error) {
    if (!(error instanceof ImportRejected) || entries.length === 1) throw error;
    return importTogether(store, entries, options, scope, true);
  }
}

async function importTogether(store: Store, entries: readonly ImportEntry[], options: ImportOptions, scope: string, eachInSavepoint: boolean): Promise<ImportSummary[]> {
  return withImportTransaction(store, async (tx) => {
    const session = new ImportSession();
    const done: ImportSummary[] = [];
    const rejected: ImportRejected[] = [];
    for (const entry of entries) {
      const format = entry.format ?? options.format;
      const importIt = () => importInto(tx, entry.kind, entry.file, { ...options, ...(format ? { format } : {}) }, session);
      if (!eachInSavepoint) {
        done.push(await importIt());
        continue;
      }
      try {
        done.push(await tx.savepoint(importIt));
      } catch (error) {
        if (!(error instanceof ImportRejected)) throw error;
        rejected.push(error);
      }
    }
    if (rejected.length > 0) {
      const messages = rejected.map((error) => error.message).join('\n');
      throw new UsageError(`${messages}\nnothing from ${scope} was imported: fix the file${rejected.length > 1 ? 's' : ''} above and import ${scope} again`);
    }
    await session.invoices.finish(tx);
    return done;
  }, options.signal);
}

export function assertReadable(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${displayName(file)}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (!stats.isFile()) throw new UsageError(`${displayName(file)} is not a file`);
}

export function displayName(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

async function importInto(tx: ImportTx, kind: ImportKind, file: string, options: ImportOptions, session: ImportSession): Promise<ImportSummary> {
  // The reading thread starts while the file is hashed: it is ready once the batch id is known.
  const rows = openFileRows({ file, kind, encoding: options.encoding ?? 'auto', ...(options.format ? { format: options.format } : {}) }, options.workerMinBytes);
  try {
    return await importRows(tx, kind, file, options, rows, session);
  } finally {
    await rows.close();
  }
}

async function importRows(tx: ImportTx, kind: ImportKind, file: string, options: ImportOptions, rows: FileRows, session: ImportSession): Promise<ImportSummary> {
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
    emptyRows: 0,
    inserted: 0,
    replaced: 0,
    skipped: 0,
    unmatched: [],
    warnings: [],
    millis: 0,
    readInWorker: false,
    replacedInvoices: [],
  };
  const earlier = await findImportedBatch(tx, kind, sha256);
  if (earlier) {
    session.batchIds.push(earlier.id);
    return { ...summary, status: 'unchanged', batchId: earlier.id, importedBefore: earlier.importedAt, millis: Date.now() - started };
  }

  // The batch row comes first so that every row can carry its id; a rejection rolls it back too.
  const batchId = await insertPendingBatch(tx, { kind, file, sha256, importedAt: options.now().toISOString() });
  summary.batchId = batchId;
  session.batchIds.push(batchId);

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
        job = await startJob(tx, specFor(kind, event.format), summary, problems, session);
        continue;
      }
      problems.addAll(event.problems, event.problemCount);
      summary.emptyRows += event.emptyRows;
      await job!.consume(event.values, event.lines, event.rowsRead);
      progress?.update(summary.rowsRead, event.bytesRead);
    }
    if (problems.total > 0) throw problems.rejection();
    return await job!.finish(Date.now() - started);
  } catch (error) {
    if (!(error instanceof RowRefused)) throw error;
    throw new ImportRejected(name, [{ file: name, line: error.line, column: error.column, value: '', message: `the database refused it: ${error.reason}` }], 1);
  } finally {
    progress?.done();
  }
}
