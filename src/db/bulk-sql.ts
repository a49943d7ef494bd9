import type { TableSpec } from './bulk-transaction.js';

/** `INSERT … ON CONFLICT …` of the rows `source` gives (VALUES, or a SELECT). */
export function insertSql(spec: TableSpec, source: string): string {
  const conflict = spec.conflict
    ? ` ON CONFLICT (${spec.conflict.join(', ')})${spec.conflictWhere ? ` WHERE ${spec.conflictWhere}` : ''} DO UPDATE SET ${spec.columns
        .filter((column) => !spec.conflict!.includes(column))
        .map((column) => `${column} = ${spec.onConflict?.[column] ?? `excluded.${column}`}`)
        .join(', ')}`
    : '';
  return `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) ${source}${conflict}`;
}

