/**
 * Every error class of the job. The CLI (src/cli/report-error.ts) maps the first few to exit codes;
 * the others are caught where they arise and become one of those, and anything else is a bug (70).
 */

/** Bad input or usage: exit 2. The message names what is wrong (file, line, column, value). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface RowProblem {
  file: string;
  line: number;
  column: string;
  value: string;
  message: string;
}

/** A rejected import: every bad row, nothing written. Exit 2. */
export class ImportRejected extends UsageError {
  override name = 'ImportRejected';
  constructor(
    readonly file: string,
    readonly problems: RowProblem[],
    readonly totalProblems: number,
  ) {
    super(formatProblems(file, problems, totalProblems));
  }
}

/** Another run holds the lock: exit 3. */
export class LockHeldError extends Error {
  override name = 'LockHeldError';
}

/**
 * The job's surroundings failed, not its input: the database cannot be reached or was lost, the
 * disk is full, a folder cannot be written. Exit 4, with one line saying what failed, what was
 * kept and what to do.
 */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
  constructor(
    readonly failed: string,
    readonly kept: string,
    readonly todo: string,
    options?: { cause?: unknown },
  ) {
    super(`${failed}; ${kept}; ${todo}`, options);
  }
}

export type StopSignal = 'SIGTERM' | 'SIGINT';

/** Stopped by SIGTERM or SIGINT before it finished: exit 128 + the signal's number (143, 130). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(
    readonly signal: StopSignal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every failure of `send`. Permanent means sending this same message again cannot succeed (the
 * server refused it with a 5xx reply, or the message itself is malformed); anything else is
 * worth retrying on a later run.
 */
export class SendError extends Error {
  override name = 'SendError';
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly responseCode?: number,
  ) {
    super(message);
  }
}

/** A field of an input file that is not what it should be; the caller adds the file, line, column and value. */
export class FieldProblem extends Error {}

/** A problem with one line of a JSON Lines file, as a CSV cell's problem. */
export class LineError extends Error {
  constructor(readonly problem: { column: string; value: string; message: string }) {
    super(problem.message);
  }
}

/** A file that cannot be read as CSV at all: where, and why. Nothing after it can be trusted. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Text that is not a decimal number of the form asked for. */
export class DecimalFormatError extends Error {}

function formatProblems(file: string, problems: RowProblem[], total: number): string {
  const lines = problems.map((p) => {
    const where = p.line > 0 ? `${file}:${p.line}` : file;
    const column = p.column ? ` column ${p.column}` : '';
    const value = p.line > 0 && p.column ? ` value ${JSON.stringify(truncate(p.value))}` : '';
    return `  ${where}${column}${value}: ${p.message}`;
  });
  const more = total > problems.length ? `\n  … and ${total - problems.length} more` : '';
  return `${file}: rejected, nothing imported (${total} problem${total === 1 ? '' : 's'}):\n${lines.join('\n')}${more}`;
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** What a failure of the surroundings was, by its error code; null when the code is not one of them. */
export function describeEnvironmentFailure(error: unknown): string | null {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (typeof code === 'string') {
    const known = ENVIRONMENT_CODES[code] ?? (code.startsWith('SQLITE_IOERR') ? 'the database file could not be read or written (an I/O error)' : null);
    if (known) return `${known} (${text})`;
    if (code.startsWith('SQLITE_READONLY')) return `the database cannot be written (${text})`;
    if (/^(08|57P|53)/.test(code)) return `the PostgreSQL server failed the connection (${text})`;
  }
  if (/Connection terminated|terminating connection|server closed the connection/i.test(text)) return `the connection to PostgreSQL was lost (${text})`;
  return null;
}

const ENVIRONMENT_CODES: Readonly<Record<string, string>> = {
  SQLITE_FULL: 'the disk holding the database is full',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_NOTADB: 'the database file is not a SQLite database',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an I/O error',
  ECONNREFUSED: 'the database server refused the connection',
  ECONNRESET: 'the connection to the database server was reset',
  ETIMEDOUT: 'the database server did not answer in time',
  EHOSTUNREACH: 'the database server cannot be reached',
  ENETUNREACH: 'the database server cannot be reached',
  ENOTFOUND: 'the database server name does not resolve',
  EAI_AGAIN: 'the database server name cannot be resolved now',
  EPIPE: 'the connection to the database server was closed',
  '3D000': 'the PostgreSQL database does not exist',
  '28000': 'PostgreSQL refused the login',
  '28P01': 'PostgreSQL refused the password',
  '57P01': 'the PostgreSQL server ended the connection',
  '53100': 'the disk of the PostgreSQL server is full',
};
