import { describe, expect, it } from 'vitest';
import { isBusy, isConnectionLost, retryWhileBusy } from '../../src/db/retry.js';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isBusy', () => {
  it('is true for SQLite lock contention and PostgreSQL races, false for anything else', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01', '55P03']) expect(isBusy(withCode(code))).toBe(true);
    for (const code of ['SQLITE_CONSTRAINT', 'SQLITE_FULL', '23505', '57P01', 'ECONNRESET']) expect(isBusy(withCode(code))).toBe(false);
    expect(isBusy(new Error('database is locked'))).toBe(false);
    expect(isBusy(null)).toBe(false);
    expect(isBusy({ code: 5 })).toBe(false);
  });
});

describe('isConnectionLost', () => {
  it('is true for a dropped socket, a server shutting down and any connection-class code', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08006', '08003']) expect(isConnectionLost(withCode(code))).toBe(true);
  });

  it('recognises pg messages that come without a code', () => {
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    expect(isConnectionLost('server closed the connection unexpectedly')).toBe(true);
  });

  it('is false for a query that merely failed', () => {
    expect(isConnectionLost(withCode('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isConnectionLost(withCode('SQLITE_BUSY'))).toBe(false);
    expect(isConnectionLost(undefined)).toBe(false);
  });
});

describe('retryWhileBusy', () => {
  it('tries again while busy and returns the first success', async () => {
    let tries = 0;
    const result = await retryWhileBusy(async () => {
      if (++tries < 4) throw withCode('SQLITE_BUSY');
      return 'done';
    });
    expect(result).toBe('done');
    expect(tries).toBe(4);
  });

  it('tries again on a new connection after one was lost', async () => {
    let tries = 0;
    expect(await retryWhileBusy(async () => (++tries < 3 ? Promise.reject(withCode('57P01')) : tries))).toBe(3);
  });

  it('fails at once on anything else, without trying again', async () => {
    let tries = 0;
    const failure = withCode('23505');
    await expect(
      retryWhileBusy(async () => {
        tries++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(tries).toBe(1);
  });
});
