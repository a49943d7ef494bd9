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
    params.map(pgParam),
  );
}

/** pg cannot send a BigInt: it goes as its exact digits, which bigint columns take exactly, in an array parameter too. */
function pgParam(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return Array.isArray(value) ? value.map(pgParam) : value;
}
