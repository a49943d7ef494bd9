import type { ImportTx } from '../db/bulk-transaction.js';

/** A file imported before, found by its kind and content. */
export interface ImportedBatch {
  id: number;
  importedAt: string;
}

export async function findImportedBatch(tx: ImportTx, kind: string, sha256: string): Promise<ImportedBatch | null> {
  const [row] = await tx.all<{ id: number | string; imported_at: string }>('SELECT id, imported_at FROM import_batches WHERE kind = ? AND sha256 = ? ORDER BY id LIMIT 1', [kind, sha256]);
  return row ? { id: Number(row.id), importedAt: row.imported_at } : null;
}

/** The batch row of a file being imported, written first so that every row can carry its id; resolves to the id. */
export async function insertPendingBatch(tx: ImportTx, batch: { kind: string; file: string; sha256: string; importedAt: string }): Promise<number> {
  const [row] = await tx.all<{ id: number | string }>(
    "INSERT INTO import_batches (kind, format, file_name, sha256, encoding, row_count, inserted, replaced, skipped, imported_at) VALUES (?, 'pending', ?, ?, 'pending', 0, 0, 0, 0, ?) RETURNING id",
    [batch.kind, batch.file, batch.sha256, batch.importedAt],
  );
  return Number(row!.id);
}

export interface BatchCounts {
  format: string;
  encoding: string | null;
  rowCount: number;
  inserted: number;
  replaced: number;
  skipped: number;
}

export async function finishBatch(tx: ImportTx, batchId: number, counts: BatchCounts): Promise<void> {
  await tx.run('UPDATE import_batches SET format = ?, encoding = ?, row_count = ?, inserted = ?, replaced = ?, skipped = ? WHERE id = ?', [
    counts.format,
    counts.encoding,
    counts.rowCount,
    counts.inserted,
    counts.replaced,
    counts.skipped,
    batchId,
  ]);
}

/**
 * How many rows `table` holds. Revenue lines are counted in revenue_totals (kept exact with them,
 * and small) rather than by scanning millions of lines.
 */
export async function countImportedRows(tx: ImportTx, table: string): Promise<number> {
  const counting = table === 'revenue_lines' ? 'SELECT coalesce(sum(lines), 0) AS n FROM revenue_totals' : `SELECT count(*) AS n FROM ${table}`;
  return Number((await tx.all<{ n: number | string }>(counting))[0]?.n ?? 0);
}
