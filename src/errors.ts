/**
 * The few failures the entry point maps to exit codes. Everything else is a bug and exits 70.
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

export const EXIT = { ok: 0, sendFailed: 1, usage: 2, locked: 3, internal: 70 } as const;

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
