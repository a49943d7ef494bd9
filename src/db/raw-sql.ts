import { CompiledQuery } from 'kysely';

/**
 * Plain SQL written once with `?` placeholders, for the few hot paths that bypass the query
 * builder: SQLite takes it as it is, PostgreSQL wants `$1, $2, …`. No literal in that SQL holds a `?`.
 */
export function rawQuery(engine: 'sqlite' | 'postgres', sql: string, params: readonly unknown[]): CompiledQuery {
  if (engine === 'sqlite') return CompiledQuery.raw(sql, [...params]);
  let n = 0;
  return CompiledQuery.raw(
    sql.replace(/\?/g, () => `$${++n}`),
    // pg sends a BigInt as text; bigint columns take it exactly.
    params.map((value) => (typeof value === 'bigint' ? value.toString() : value)),
  );
}
