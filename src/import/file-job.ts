import type { ImportTx } from '../db/bulk-transaction.js';
import { countImportedRows, finishBatch } from '../store/import-batches.js';
import { hooksFor } from './hooks/index.js';
import type { ImportSession } from './invoices.js';
import type { KindSpec } from './kinds.js';
import type { ProblemList } from './problems.js';
import type { ImportSummary } from './summary.js';

export interface FileJob {
  consume(values: unknown[], lines: number[], rowsRead: number): Promise<void>;
  finish(millis: number): Promise<ImportSummary>;
}

/**
 * Writes the checked rows of one file as they come, so memory stays flat; once any row is bad the
 * rest are not written, and the caller rolls back.
 */
export async function startJob(tx: ImportTx, spec: KindSpec, summary: ImportSummary, problems: ProblemList, session: ImportSession): Promise<FileJob> {
  const table = spec.target.table;
  const width = spec.target.columns.length;
  const countRows = () => countImportedRows(tx, table);
  const before = await countRows();
  const hooks = await hooksFor(tx, spec, session, summary, problems);
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
      summary.replaced = written + (hooks.written?.() ?? 0) - summary.inserted + removed;
      summary.millis = millis;
      await finishBatch(tx, summary.batchId, {
        format: summary.format,
        encoding: summary.encoding,
        rowCount: summary.rowsRead,
        inserted: summary.inserted,
        replaced: summary.replaced,
        skipped: summary.skipped,
      });
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

