import { describe, expect, it } from 'vitest';
import { rawQuery } from '../../src/db/raw-sql.js';

describe('rawQuery', () => {
  const sql = 'update notices set status = ? where id in (?, ?) and run_id = ?';

  it('leaves SQL with ? placeholders as it is for SQLite, BigInts included', () => {
    const query = rawQuery('sqlite', sql, ['sent', 1, 2, 9_007_199_254_740_993n]);
    expect(query.sql).toBe(sql);
    expect(query.parameters).toEqual(['sent', 1, 2, 9_007_199_254_740_993n]);
  });

  it('numbers the placeholders for PostgreSQL, in order', () => {
    expect(rawQuery('postgres', sql, ['sent', 1, 2, 3]).sql).toBe('update notices set status = $1 where id in ($2, $3) and run_id = $4');
  });

  it('sends a BigInt to PostgreSQL as its exact digits, inside arrays too', () => {
    const query = rawQuery('postgres', 'select ?, ?', [-9_223_372_036_854_775_808n, [1n, 'x', [2n]]]);
    expect(query.parameters).toEqual(['-9223372036854775808', ['1', 'x', ['2']]]);
  });

  it("leaves the caller's parameters as they were", () => {
    const params = [1n];
    rawQuery('postgres', 'select ?', params);
    expect(rawQuery('sqlite', 'select ?', params).parameters).not.toBe(params);
    expect(params).toEqual([1n]);
  });
});
