/**
 * The few failures the entry point maps to exit codes. Everything else is a bug and exits 70.
 * Only the entry point (src/cli/main.ts) turns these into exit codes.
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

export const EXIT = { ok: 0, sendFailed: 1, usage: 2, locked: 3, environment: 4, internal: 70 } as const;

/** 128 + the signal's number, as a shell reports a process that a signal ended. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

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
