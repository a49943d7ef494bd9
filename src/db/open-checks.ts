import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { runningAs, unwritableError } from '../config/folders.js';
import { describeEnvironmentFailure, EnvironmentError, UsageError } from '../errors.js';

const NOTHING_CHANGED = 'nothing was changed';

/** A DATABASE_URL naming something that is not a file (`/dev/null`, a folder) is a setting to correct. */
export function checkSqlitePath(file: string): void {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return;
  }
  if (stat.isFile()) return;
  const kind = stat.isDirectory() ? 'a folder' : stat.isCharacterDevice() ? 'a character device' : stat.isBlockDevice() ? 'a block device' : 'not a regular file';
  throw new UsageError(`DATABASE_URL names ${file}, which is ${kind}, not a SQLite database file: give the path of a file, such as data/reeval.sqlite`);
}

/** What went wrong opening a SQLite file (to `verb` it), as the entry point should tell it. */
export function sqliteOpenError(file: string, error: unknown, verb: 'read' | 'write' = 'write'): unknown {
  if (error instanceof EnvironmentError || error instanceof UsageError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = (error as Error | null)?.message ?? String(error);
  // Locked by another process is reported as such by the entry point (exit 3).
  if (code === 'SQLITE_BUSY') return error;
  if (code === 'SQLITE_NOTADB') return new UsageError(`DATABASE_URL names ${file}, which is not a SQLite database (${message})`);
  if (code === 'SQLITE_FULL') return unwritableError('database file', file, Object.assign(new Error(message), { code: 'ENOSPC' }));
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_READONLY')) {
    return unwritableError('database file', file, Object.assign(new Error(message), { code: 'EACCES' }), NOTHING_CHANGED, verb);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return unwritableError('database file', file, error, NOTHING_CHANGED, verb);
  const described = describeEnvironmentFailure(error);
  return described ? new EnvironmentError(`cannot open the database ${file}: ${described}`, NOTHING_CHANGED, 'fix it and run the command again', { cause: error }) : error;
}

/** Past this size a read-only copy in memory costs more than it is worth; the folder must be fixed. */
const MAX_SNAPSHOT_BYTES = 1024 ** 3;

/**
 * The whole database file, to be read in memory, when SQLite cannot read it in place. Only where no
 * write-ahead log holds changes not yet in the file, which reading the file alone would miss: then
 * null where SQLite may read it in place after all (the folder is writable), else an error.
 */
export function readSnapshot(file: string): Buffer | null {
  const dir = path.dirname(file);
  const me = runningAs();
  const who = me ? ` as uid ${me.uid}, gid ${me.gid}` : '';
  const fix = me ? `make the folder writable for that user (chown ${me.uid}:${me.gid} ${dir}), or run the command as its owner` : 'make the folder writable, or run the command as its owner';
  let walBytes = 0;
  try {
    walBytes = statSync(`${file}-wal`).size;
  } catch {
    walBytes = 0;
  }
  if (walBytes > 0) {
    if (folderWritable(dir)) return null;
    throw new EnvironmentError(
      `cannot read the database ${file}${who}: its latest changes are in ${file}-wal, which SQLite reads only through ${file}-shm, and that cannot be made in ${dir}`,
      NOTHING_CHANGED,
      fix,
    );
  }
  const size = statSync(file).size;
  if (size > MAX_SNAPSHOT_BYTES) {
    throw new EnvironmentError(`cannot read the database ${file}${who}: SQLite needs to make ${file}-shm in ${dir}, which this user cannot write`, NOTHING_CHANGED, fix);
  }
  const image = readFileSync(file);
  // Bytes 18 and 19 say "write-ahead log"; in memory there is none, so they must say "rollback journal".
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) {
    image[18] = 1;
    image[19] = 1;
  }
  return image;
}

function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A migration that failed for a reason of the surroundings (a full disk, a lost server, no rights). */
export function failedToPrepare(label: string, error: unknown): unknown {
  if (error instanceof EnvironmentError || error instanceof UsageError) return error;
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === 'SQLITE_BUSY') return error;
  const described = code === '42501' ? `the PostgreSQL user may not create the tables (${(error as Error).message})` : describeEnvironmentFailure(error);
  if (!described) return error;
  const todo = /full/.test(described)
    ? 'free some space and run the command again'
    : code === '42501'
      ? 'grant the user the right to create tables, a function and a trigger in the database, or migrate once as its owner'
      : 'fix it and run the command again';
  return new EnvironmentError(`cannot create or upgrade the tables of the database ${label}: ${described}`, 'nothing was changed (the upgrade is one transaction)', todo, { cause: error });
}

/**
 * A read-only command on a database made by an earlier version: it is upgraded first, which needs
 * to write, and a failure says so. A database with no tables at all is simply being set up.
 */
export async function withUpgradeNote<T>(file: string, pending: string[], allMigrations: number, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    if (!(error instanceof EnvironmentError) || pending.length === allMigrations) throw error;
    throw new EnvironmentError(
      `the database ${file} was made by an earlier version and must be upgraded (${pending.join(', ')}) before this one can read it: ${error.failed}`,
      error.kept,
      `${error.todo}; or run csp-reeval migrate once as a user who can write it`,
      { cause: error },
    );
  }
}

/**
 * Connects once before anything else, so that a server that is down, a database or role that does
 * not exist, or a host that never answers is told as such, within `timeoutMs`.
 */
export async function checkPostgresConnection(pool: pg.Pool, label: string, timeoutMs: number): Promise<void> {
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw postgresConnectError(label, error, timeoutMs);
  }
}

function postgresConnectError(label: string, error: unknown, timeoutMs: number): EnvironmentError {
  const code = (error as { code?: string } | null)?.code ?? '';
  const message = (error as Error | null)?.message ?? String(error);
  const failed = (why: string) => `cannot connect to PostgreSQL at ${label}: ${why}`;
  const build = (why: string, todo: string) => new EnvironmentError(failed(why), NOTHING_CHANGED, todo, { cause: error });
  if (code === 'ECONNREFUSED') return build(`the server refused the connection (${message})`, "check that PostgreSQL is running, and the host and port in DATABASE_URL");
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return build(`the host name does not resolve (${message})`, 'check the host in DATABASE_URL');
  if (code === '3D000') return build(`the database does not exist (${message})`, 'create it (createdb), or correct the database name in DATABASE_URL');
  if (code === '28000' || code === '28P01') return build(`the server refused the login (${message})`, 'check the user and password in DATABASE_URL (percent-encode special characters)');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) {
    return build(
      `no answer within ${timeoutMs / 1000} s (${message})`,
      'check the host and port in DATABASE_URL and that this machine can reach them; DATABASE_CONNECT_TIMEOUT_SECONDS sets the wait',
    );
  }
  if (/Connection terminated|ECONNRESET|EPIPE/.test(`${code} ${message}`)) {
    return build(`the connection was closed before the server answered (${message})`, 'check the host and port in DATABASE_URL (is a PostgreSQL server listening there?) and that this machine can reach it');
  }
  return build(describeEnvironmentFailure(error) ?? message, 'check DATABASE_URL and the server, then run the command again');
}
