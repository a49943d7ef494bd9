import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkPostgresConnection, checkSqlitePath, failedToPrepare, readSnapshot, sqliteOpenError, withUpgradeNote } from '../../src/db/open-checks.js';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import { useTempDir } from '../helpers/temp-store.js';

const withCode = (code: string, message = `failed: ${code}`) => Object.assign(new Error(message), { code });

describe('opening a SQLite file', () => {
  const temp = useTempDir();

  it('accepts a file or a path not made yet, and refuses a folder or a device as a setting to correct', () => {
    expect(() => checkSqlitePath(path.join(temp.dir, 'new.sqlite'))).not.toThrow();
    writeFileSync(path.join(temp.dir, 'db.sqlite'), '');
    expect(() => checkSqlitePath(path.join(temp.dir, 'db.sqlite'))).not.toThrow();
    mkdirSync(path.join(temp.dir, 'folder'));
    expect(() => checkSqlitePath(path.join(temp.dir, 'folder'))).toThrow(UsageError);
    expect(() => checkSqlitePath(path.join(temp.dir, 'folder'))).toThrow(/which is a folder, not a SQLite database file: give the path of a file, such as data\/reeval\.sqlite$/);
    expect(() => checkSqlitePath('/dev/null')).toThrow(/DATABASE_URL names \/dev\/null, which is a character device/);
  });

  it('tells each way of failing to open as what it is', () => {
    const file = path.join(temp.dir, 'db.sqlite');
    const busy = withCode('SQLITE_BUSY');
    expect(sqliteOpenError(file, busy)).toBe(busy);
    expect(sqliteOpenError(file, withCode('SQLITE_NOTADB', 'file is not a database'))).toEqual(new UsageError(`DATABASE_URL names ${file}, which is not a SQLite database (file is not a database)`));
    expect((sqliteOpenError(file, withCode('SQLITE_FULL')) as EnvironmentError).failed).toBe(`cannot write the database file ${file}: the disk is full`);
    for (const code of ['SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_READONLY_DIRECTORY', 'EACCES']) {
      expect((sqliteOpenError(file, withCode(code)) as EnvironmentError).failed).toMatch(new RegExp(`^cannot write the database file ${file}`));
    }
    expect((sqliteOpenError(file, withCode('SQLITE_CANTOPEN'), 'read') as EnvironmentError).failed).toMatch(/^cannot read the database file/);
    expect((sqliteOpenError(file, withCode('EIO', 'bad sector')) as EnvironmentError).failed).toBe(`cannot open the database ${file}: an I/O error (bad sector)`);
    const bug = new TypeError('undefined is not a function');
    expect(sqliteOpenError(file, bug)).toBe(bug);
  });

  it('reads a database in memory with its header set to a rollback journal, when no write-ahead log holds changes', () => {
    const file = path.join(temp.dir, 'db.sqlite');
    const header = Buffer.alloc(100);
    header[18] = 2;
    header[19] = 2;
    writeFileSync(file, header);
    const image = readSnapshot(file)!;
    expect([image[18], image[19]]).toEqual([1, 1]);
    expect(image.length).toBe(100);
  });

  it('leaves a database with a write-ahead log to SQLite when the folder is writable', () => {
    const file = path.join(temp.dir, 'db.sqlite');
    writeFileSync(file, Buffer.alloc(100));
    writeFileSync(`${file}-wal`, 'x');
    expect(readSnapshot(file)).toBeNull();
  });
});

describe('failures while preparing the tables', () => {
  it('are the surroundings when they are, with what to do; otherwise left as they are', () => {
    const full = failedToPrepare('data/reeval.sqlite', withCode('SQLITE_FULL', 'database or disk is full')) as EnvironmentError;
    expect(full).toBeInstanceOf(EnvironmentError);
    expect(full.message).toBe(
      'cannot create or upgrade the tables of the database data/reeval.sqlite: the disk holding the database is full (database or disk is full); nothing was changed (the upgrade is one transaction); free some space and run the command again',
    );
    const denied = failedToPrepare('postgres://u:***@h/db', withCode('42501', 'permission denied for schema public')) as EnvironmentError;
    expect(denied.failed).toMatch(/the PostgreSQL user may not create the tables \(permission denied for schema public\)$/);
    expect(denied.todo).toMatch(/^grant the user the right to create tables/);
    const busy = withCode('SQLITE_BUSY');
    expect(failedToPrepare('x', busy)).toBe(busy);
    const bug = new Error('syntax error near "tabel"');
    expect(failedToPrepare('x', bug)).toBe(bug);
  });

  it('say that a database of an earlier version must be upgraded first, but not for a database being set up', async () => {
    const failure = new EnvironmentError('cannot write the database folder /data', 'nothing was changed', 'chown it');
    const upgrading = await withUpgradeNote('/data/reeval.sqlite', ['0004-x'], 4, () => Promise.reject(failure)).catch((error: EnvironmentError) => error);
    expect(upgrading.message).toBe(
      'the database /data/reeval.sqlite was made by an earlier version and must be upgraded (0004-x) before this one can read it: cannot write the database folder /data; nothing was changed; chown it; or run csp-reeval migrate once as a user who can write it',
    );
    await expect(withUpgradeNote('/data/reeval.sqlite', ['a', 'b'], 2, () => Promise.reject(failure))).rejects.toBe(failure);
    const other = new Error('bug');
    await expect(withUpgradeNote('/data/reeval.sqlite', ['a'], 2, () => Promise.reject(other))).rejects.toBe(other);
    expect(await withUpgradeNote('/data/reeval.sqlite', ['a'], 2, async () => 'opened')).toBe('opened');
  });
});

describe('checkPostgresConnection', () => {
  /** A pool whose connect fails with `error`; `ended` tells whether it was closed after. */
  function failingPool(error: Error): { pool: pg.Pool; ended: () => boolean } {
    let ended = false;
    const pool = {
      connect: () => Promise.reject(error),
      end: async () => {
        ended = true;
      },
    } as unknown as pg.Pool;
    return { pool, ended: () => ended };
  }
  const failure = async (error: Error) => {
    const { pool, ended } = failingPool(error);
    const caught = (await checkPostgresConnection(pool, 'postgres://u:***@db:5432/reeval', 5_000).catch((e: unknown) => e)) as EnvironmentError;
    expect(caught).toBeInstanceOf(EnvironmentError);
    expect(ended()).toBe(true);
    return caught;
  };

  it('names each reason a connection fails, with its fix, and closes the pool', async () => {
    expect((await failure(withCode('ECONNREFUSED'))).message).toMatch(/^cannot connect to PostgreSQL at postgres:\/\/u:\*\*\*@db:5432\/reeval: the server refused the connection .*; nothing was changed; check that PostgreSQL is running/);
    expect((await failure(withCode('ENOTFOUND'))).failed).toMatch(/the host name does not resolve/);
    expect((await failure(withCode('3D000'))).todo).toMatch(/^create it \(createdb\)/);
    expect((await failure(withCode('28P01'))).failed).toMatch(/the server refused the login/);
    expect((await failure(new Error('timeout expired'))).failed).toMatch(/no answer within 5 s \(timeout expired\)$/);
    expect((await failure(new Error('Connection terminated unexpectedly'))).failed).toMatch(/the connection was closed before the server answered/);
    expect((await failure(new Error('something else'))).todo).toBe('check DATABASE_URL and the server, then run the command again');
  });

  it('releases the connection it made when the server answers', async () => {
    let released = false;
    const pool = { connect: async () => ({ release: () => (released = true) }) } as unknown as pg.Pool;
    await checkPostgresConnection(pool, 'x', 1_000);
    expect(released).toBe(true);
  });
});
