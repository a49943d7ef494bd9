import { CommanderError } from 'commander';
import { secretRedactor } from '../config/redact.js';
import { describeEnvironmentFailure, EnvironmentError, InterruptedError, LockHeldError, UsageError } from '../errors.js';
import type { CliIo } from './context.js';
import { EXIT, SIGNAL_EXIT } from './exit.js';

/** The one place an error becomes an exit status: one line on stderr, the stack only when asked for. */
export function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
    return EXIT.usage;
  }
  const secretSafe = io.env.SMTP_URL ? secretRedactor(io.env.SMTP_URL) : (text: string) => text;
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${secretSafe(error.message)}\n`);
    return EXIT.usage;
  }
  if (error instanceof EnvironmentError) {
    io.stderr.write(`error: ${secretSafe(error.message)}\n`);
    return EXIT.environment;
  }
  if (error instanceof InterruptedError) {
    io.stderr.write(`stopped: ${secretSafe(error.message)}\n`);
    return SIGNAL_EXIT[error.signal];
  }
  if (error instanceof LockHeldError) {
    io.stderr.write(`error: ${error.message}; try again when it has finished\n`);
    return EXIT.locked;
  }
  const code = (error as { code?: string } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    io.stderr.write(
      `error: the database is locked by another process (${(error as Error).message}); nothing was changed — try again when it has finished, or raise DATABASE_LOCK_TIMEOUT_SECONDS\n`,
    );
    return EXIT.locked;
  }
  const environment = describeEnvironmentFailure(error);
  if (environment) {
    io.stderr.write(`error: ${secretSafe(environment)}; what was committed before it is kept, nothing after; fix it and run the command again\n`);
    return EXIT.environment;
  }
  // A bug: one line for the person, the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  const stack = io.env.CSP_REEVAL_DEBUG && error instanceof Error ? `\n${error.stack ?? ''}` : '';
  io.stderr.write(`internal error: ${secretSafe(message)}${secretSafe(stack)} (set CSP_REEVAL_DEBUG=1 for the stack trace)\n`);
  return EXIT.internal;
}
