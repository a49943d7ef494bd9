import type { StopSignal } from '../errors.js';

export const EXIT = { ok: 0, sendFailed: 1, usage: 2, locked: 3, environment: 4, internal: 70 } as const;

/** 128 + the signal's number, as a shell reports a process that a signal ended. */
export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Exits with `code` once the readers of stdout and stderr have had every byte. A pipe takes at
 * most 64 KiB at a time and process.exit discards the rest; exiting explicitly still matters, so
 * that a stray pooled socket cannot hold a finished one-off command open.
 */
export async function exitAfterOutput(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` before it has been handed to the system. */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
